CREATE TABLE input(text TEXT);
CREATE TRIGGER reject BEFORE INSERT ON input WHEN NEW.text = 'err'
BEGIN
    SELECT RAISE(ABORT, 'bad input: err');
END;
INSERT INTO input SELECT CAST(readfile('/dev/stdin') AS TEXT);
-- "loop": a recursive query without end
WITH RECURSIVE spin(n) AS (SELECT 1 FROM input WHERE text = 'loop' UNION ALL SELECT n + 1 FROM spin)
SELECT n FROM spin WHERE n < 0;
SELECT 'hello, ' || text FROM input;
