-- Reference of claim_per_s: the same two round trips per batch as
-- claim.sql (claim with its cases, write results) doing no work.
SELECT 1;
SELECT 1;
