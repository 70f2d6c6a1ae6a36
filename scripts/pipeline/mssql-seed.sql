-- Rows for the SQL Server variant of the pipeline (integration workflow): 1000 accounts, 1000 order lines, 500 products.
USE cdcapp;
GO
WITH n AS (SELECT TOP (1000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
INSERT INTO app.accounts SELECT i, CONCAT(N'acct ', i, N' é'), (i * 7 % 100000) / 100.0, CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END,
  DATEADD(minute, i, CAST('2024-01-01T00:00:00+00:00' AS datetimeoffset(6))) FROM n;
WITH n AS (SELECT TOP (1000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
INSERT INTO app.order_lines SELECT (i + 3) / 4, (i - 1) % 4 + 1, CONCAT(N'sku-', i % 500), i % 9 + 1, i / 4.0 FROM n;
WITH n AS (SELECT TOP (500) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
INSERT INTO app.products SELECT CONCAT(N'sku-', i), CASE WHEN i % 7 = 0 THEN NULL ELSE CONCAT(N'Product ', i) END, i % 900,
  CASE WHEN i % 5 = 0 THEN N'' ELSE N'a|b' END FROM n;
INSERT INTO app.heartbeat VALUES (1, 0, SYSDATETIMEOFFSET());
GO
