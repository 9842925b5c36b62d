/** Counters since creation (or the last `resetRecords()`). */
export interface RegistrarStats {
  /** Datagrams received. */
  datagrams: number;
  /** Datagrams that were not a SIP message, or a request without a usable top Via. */
  unparsable: number;
  /** REGISTER requests received, retransmissions included. */
  registers: number;
  /** Requests other than REGISTER. */
  otherRequests: number;
  /** Retransmissions of scripted transactions, absorbed or answered from memory. */
  retransmissions: number;
  /** Requests dropped by a script. */
  dropped: number;
  /** 401/407 challenges sent. */
  challenges: number;
  /** Of those, with `stale=true`. */
  staleChallenges: number;
  /** Responses sent, by status code (100 Trying included). */
  responses: Record<number, number>;
  /** Sends the socket reported as failed. */
  sendErrors: number;
  /** Requests whose handling threw (a script or listener error); see `errors()`. */
  internalErrors: number;
}

export function newRegistrarStats(): RegistrarStats {
  return {
    datagrams: 0,
    unparsable: 0,
    registers: 0,
    otherRequests: 0,
    retransmissions: 0,
    dropped: 0,
    challenges: 0,
    staleChallenges: 0,
    responses: {},
    sendErrors: 0,
    internalErrors: 0,
  };
}
