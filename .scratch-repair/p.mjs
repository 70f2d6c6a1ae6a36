import sqlParser from 'node-sql-parser';
const p = new sqlParser.Parser();
const tries = [
 "INSERT INTO [dbo].[debezium_signal] ([id], [type], [data]) VALUES (@p1, @p2, @p3)",
 "INSERT INTO [dbo].[debezium_signal] ([id], [type], [data]) VALUES (@p1, @p2, @p3), (@p4, @p5, @p6)",
 "SELECT * FROM [dbo].[t] WHERE ([id] IN (1, 2, 3))",
 "SELECT * FROM [dbo].[t] WHERE ([a] = N'it''s' AND [b] = 3) OR ([a] = N'x]' AND [b] = 4)",
 "SELECT CONVERT(VARCHAR(22), sys.fn_cdc_get_max_lsn(), 1) AS max_lsn",
 "SELECT CONVERT(VARCHAR(22), m.start_lsn, 1) AS lsn, m.tran_end_time AS t FROM cdc.lsn_time_mapping AS m WHERE m.start_lsn = sys.fn_cdc_get_max_lsn()",
 "SELECT MIN(m.tran_begin_time) AS oldest FROM cdc.lsn_time_mapping AS m WHERE m.start_lsn > CONVERT(BINARY(10), @p1, 1) AND m.tran_id <> 0x00",
 "SELECT SYSUTCDATETIME() AS now_utc",
 "SELECT DB_NAME() AS db",
 "SELECT * FROM [dbo].[t] WHERE [id] = 0xABCD",
 "SELECT * FROM [dbo].[t] WHERE [d] = '2024-01-02T03:04:05.123'",
 "BEGIN TRANSACTION; INSERT INTO [a].[b] ([x]) VALUES (1); COMMIT TRANSACTION;",
];
for (const t of tries) { try { p.astify(t, {database:'TransactSQL'}); console.log('OK  ', t);} catch(e){ console.log('FAIL', t, e.message.slice(0,150)); } }
