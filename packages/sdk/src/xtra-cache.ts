/** A frozen map of secret names to values, as getSecrets returns it. */
export type Secrets = Readonly<Record<string, string>>;

export interface CacheEntry {
  readonly secrets: Secrets;
  /** When the server answered (epoch ms). */
  readonly fetchedAt: number;
  /** Until when the entry is served without asking the server (epoch ms); kept after, for stale-on-error. */
  readonly expiresAt: number;
}

/** What one read names: a project's environment, seen through a branch. */
export interface Target {
  projectId: string;
  env: string;
  branch: string;
}

/**
 * The in-memory secrets cache of one client, by project, environment and branch. Entries outlive
 * their TTL (they are what stale-on-error serves) until replaced or invalidated.
 */
export class SecretCache {
  // Nested maps, not one map with a composed key: a hit then builds no string and hashes none
  // (the caller's strings keep their hashes), which keeps hits in the millions per second.
  private readonly entries = new Map<string, Map<string, Map<string, CacheEntry>>>();
  /** Reads in flight, so concurrent misses of one target share one request. */
  private readonly pending = new Map<string, Promise<CacheEntry>>();
  /**
   * Bumped by every invalidation: a read that began before it may carry the old values, so it
   * must not store them.
   */
  private generation = 0;

  get(projectId: string, env: string, branch: string): CacheEntry | undefined {
    return this.entries.get(projectId)?.get(env)?.get(branch);
  }

  /** Runs `read` unless a read of `target` is already in flight, and stores what it yields. */
  share(target: Target, read: () => Promise<CacheEntry>): Promise<CacheEntry> {
    const key = `${target.projectId}\n${target.env}\n${target.branch}`;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const promise = this.storeAfter(target, read).finally(() => {
      if (this.pending.get(key) === promise) this.pending.delete(key);
    });
    this.pending.set(key, promise);
    return promise;
  }

  /** Runs `read` and stores its entry, unless the cache was invalidated meanwhile. */
  async storeAfter({ projectId, env, branch }: Target, read: () => Promise<CacheEntry>): Promise<CacheEntry> {
    const generation = this.generation;
    const entry = await read();
    if (generation === this.generation) {
      let project = this.entries.get(projectId);
      if (!project) {
        project = new Map();
        this.entries.set(projectId, project);
      }
      let environment = project.get(env);
      if (!environment) {
        environment = new Map();
        project.set(env, environment);
      }
      environment.set(branch, entry);
    }
    return entry;
  }

  /** Forgets the entries of one environment (of one of its branches, when given), or all. */
  invalidate(target?: { projectId: string; env: string; branch?: string }): void {
    this.generation++;
    if (!target) {
      this.entries.clear();
      this.pending.clear();
      return;
    }
    const environment = this.entries.get(target.projectId)?.get(target.env);
    const prefix = `${target.projectId}\n${target.env}\n`;
    if (target.branch === undefined) environment?.clear();
    else environment?.delete(target.branch);
    for (const key of this.pending.keys()) {
      if (target.branch === undefined ? key.startsWith(prefix) : key === prefix + target.branch)
        this.pending.delete(key);
    }
  }
}
