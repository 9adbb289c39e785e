-- Reference of claim_per_s: the same three round trips per batch as
-- claim.sql (claim, load cases, write results) doing no work.
SELECT 1;
SELECT 1;
SELECT 1;
