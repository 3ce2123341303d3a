-- Pavise's own bookkeeping (the migrations table itself is created by the migrator).

-- Values generated once and shared by every process: signing keys, first-start markers.
CREATE TABLE pavise.settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL
);

-- Sliding-window rate-limit counters shared by every process (when REDIS_URL is not set).
-- Unlogged: losing counters in a crash is harmless and saves WAL on every sign-in.
CREATE UNLOGGED TABLE pavise.rate_limits (
  key text PRIMARY KEY,
  window_start bigint NOT NULL,   -- epoch milliseconds, a multiple of window_ms
  window_ms integer NOT NULL,
  hits integer NOT NULL,
  prev_hits integer NOT NULL      -- hits of the window just before window_start
);
