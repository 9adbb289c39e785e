-- The administrator's group role (011) manages keys: since 010 a key's
-- settings (`sandboxd key add|set` options) and since 012 its dashboard
-- scope (`sandboxd key scope`) are updates of api_keys too, and `key list`
-- shows the day's use next to the budget.
GRANT UPDATE ON coderun.api_keys TO coderun_admin;
GRANT SELECT ON coderun.key_ends, coderun.key_usage, coderun.key_usage_current TO coderun_admin;
GRANT EXECUTE ON FUNCTION coderun.utc_today() TO coderun_admin;
