-- Hand-written: the cells stored before this version get their open
-- referrals and follow-ups at the next start (or `server migrate up`),
-- which computes again from the facts every period listed here.
INSERT INTO analytics_pending (period) SELECT DISTINCT grain || '|' || period FROM demand_cells;
