import type { StatsStore } from './store/selector-store';

/**
 * The decision id the health check reads. Decisions get UUIDs, so no decision has it: the read
 * finds nothing, writes nothing, and needs no permission the stats function lacks.
 */
export const HEALTH_PROBE_DECISION_ID = 'health-probe';

/** How long the check waits for the table; a load balancer's probe times out after a few seconds. */
export const HEALTH_TIMEOUT_MS = 2_000;

export type TableHealth = { ok: true } | { ok: false; cause: unknown };

/**
 * Whether the table answers a read within `timeoutMs`: one eventually consistent GetItem of a key
 * that never exists. A missing table, an unreachable endpoint, missing permissions or a read that
 * takes too long are all "not ok", with the cause for the log.
 */
export async function checkTableHealth(
  store: Pick<StatsStore, 'getDecision'>,
  timeoutMs: number = HEALTH_TIMEOUT_MS,
): Promise<TableHealth> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<TableHealth>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, cause: new Error(`the table did not answer within ${timeoutMs} ms`) }),
      timeoutMs,
    );
  });
  const read = store.getDecision(HEALTH_PROBE_DECISION_ID).then(
    (): TableHealth => ({ ok: true }),
    (cause: unknown): TableHealth => ({ ok: false, cause }),
  );
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
