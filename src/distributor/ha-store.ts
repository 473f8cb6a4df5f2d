/**
 * The HA tracker's elections in the tenant Durable Object's SQLite, so an
 * election survives eviction and restarts of the object. One row per
 * cluster; the object's input gate serialises elections, so a read-decide-
 * write cycle needs no transaction.
 *
 * Rows are read once per object lifetime and kept in memory; every change
 * is written through before the RPC that caused it returns.
 */
import {
  checkReplica,
  HA_CLUSTER_IDLE_MS,
  pruneClusters,
  type ElectionOptions,
  type HAState,
  type HATrackerStore,
  type ReplicaDesc,
} from "./ha-tracker";

interface Row extends Record<string, SqlStorageValue> {
  cluster: string;
  replica: string;
  received_at: number;
  elected_at: number;
  elected_changes: number;
}

export class SqliteHATrackerStore implements HATrackerStore {
  private state: Map<string, ReplicaDesc> | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS ha_elections (
        cluster TEXT PRIMARY KEY,
        replica TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        elected_at INTEGER NOT NULL,
        elected_changes INTEGER NOT NULL
      )`,
    );
  }

  load(): HAState {
    if (this.state === undefined) {
      const state = new Map<string, ReplicaDesc>();
      for (const r of this.sql.exec<Row>(`SELECT * FROM ha_elections`)) {
        state.set(r.cluster, {
          replica: r.replica,
          receivedAt: r.received_at,
          electedAt: r.elected_at,
          electedChanges: r.elected_changes,
        });
      }
      this.state = state;
    }
    return this.state;
  }

  put(cluster: string, desc: ReplicaDesc): void {
    this.sql.exec(
      `INSERT INTO ha_elections (cluster, replica, received_at, elected_at, elected_changes) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (cluster) DO UPDATE SET replica = excluded.replica, received_at = excluded.received_at,
         elected_at = excluded.elected_at, elected_changes = excluded.elected_changes`,
      cluster,
      desc.replica,
      desc.receivedAt,
      desc.electedAt,
      desc.electedChanges,
    );
    this.mutable().set(cluster, desc);
  }

  delete(cluster: string): void {
    this.sql.exec(`DELETE FROM ha_elections WHERE cluster = ?`, cluster);
    this.mutable().delete(cluster);
  }

  private mutable(): Map<string, ReplicaDesc> {
    this.load();
    return this.state!;
  }
}

/** What the tenant object answers an election request with (no full state: it crosses RPC). */
export type HAVerdict =
  | { readonly accepted: true; readonly elected: ReplicaDesc }
  | {
      readonly accepted: false;
      readonly status: 202 | 400;
      readonly message: string;
      readonly elected?: ReplicaDesc;
    };

/**
 * One election inside the tenant object: forgets clusters idle for
 * `HA_CLUSTER_IDLE_MS` (so they free their `ha_max_clusters` slot), then
 * decides and persists.
 */
export async function electInStore(
  store: HATrackerStore,
  cluster: string,
  replica: string,
  now: number,
  opts: ElectionOptions,
): Promise<HAVerdict> {
  const { removed } = pruneClusters(await store.load(), now, HA_CLUSTER_IDLE_MS);
  for (const c of removed) await store.delete(c);
  const r = await checkReplica(store, cluster, replica, now, opts);
  if (r.accepted) return { accepted: true, elected: r.elected };
  return r.elected === undefined
    ? { accepted: false, status: r.status, message: r.message }
    : { accepted: false, status: r.status, message: r.message, elected: r.elected };
}

/** One cluster's election, as the HA tracker page lists it. */
export interface HAElection {
  readonly cluster: string;
  readonly desc: ReplicaDesc;
}

/** The elections sorted by cluster. */
export function listElections(state: HAState): HAElection[] {
  return [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([cluster, desc]) => ({ cluster, desc }));
}
