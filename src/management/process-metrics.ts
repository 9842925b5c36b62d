/**
 * The standard process metrics (the names the Prometheus client libraries share, so existing
 * dashboards and alerts work): CPU time, resident memory, start time, and the V8 heap as Node's
 * clients name it. Each read is a cheap syscall or V8 call, done at scrape time.
 */
import type { PrometheusTextWriter } from './prometheus-text.js';

/** Process start, epoch seconds: now minus uptime, read once at module load. */
const START_TIME_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

/** Write the process and Node.js heap families to `writer`. */
export function writeProcessMetrics(writer: PrometheusTextWriter): void {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  writer
    .single(
      'process_cpu_user_seconds_total',
      'counter',
      'CPU time this process spent in user mode, in seconds.',
      cpu.user / 1e6,
    )
    .single(
      'process_cpu_system_seconds_total',
      'counter',
      'CPU time this process spent in the kernel, in seconds.',
      cpu.system / 1e6,
    )
    .single(
      'process_cpu_seconds_total',
      'counter',
      'CPU time this process spent, user and kernel, in seconds.',
      (cpu.user + cpu.system) / 1e6,
    )
    .single(
      'process_resident_memory_bytes',
      'gauge',
      'Resident set size of this process, in bytes.',
      memory.rss,
    )
    .single(
      'process_start_time_seconds',
      'gauge',
      'When this process started, Unix epoch seconds.',
      START_TIME_SECONDS,
    )
    .single('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, in bytes.', memory.heapUsed)
    .single('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap allocated, in bytes.', memory.heapTotal)
    .single(
      'nodejs_external_memory_bytes',
      'gauge',
      'Memory of C++ objects bound to JavaScript objects (buffers included), in bytes.',
      memory.external,
    );
}
