// The call-requests queue's timing, which the cloud sets on the queue and the connector relies on.

/**
 * How long a received call request stays invisible: long enough to originate, short enough that a crashed
 * connector's message comes back quickly. The connector keeps one it is still setting up invisible with a
 * heartbeat every third of it.
 */
export const CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS = 60;
