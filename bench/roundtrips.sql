-- Reference of claim_per_s: the same six round-trips per job as claim.sql
-- (claim, load, BEGIN, two updates, COMMIT) doing no work and no commit.
SELECT 1;
SELECT 1;
BEGIN;
SELECT 1;
SELECT 1;
COMMIT;
