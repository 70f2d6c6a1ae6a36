-- Source of the SQL Server variant of the test-bed pipeline (scripts/pipeline.mjs up --source mssql):
-- the same four tables as the PostgreSQL variant, in database cdcapp, schema app, with CDC enabled.
-- Run as sysadmin by test/fixtures/mssql/run-sql.mjs (batches split on GO lines).
IF DB_ID('cdcapp') IS NOT NULL DROP DATABASE cdcapp;
GO
CREATE DATABASE cdcapp;
GO
USE cdcapp;
GO
EXEC ('CREATE SCHEMA app');
GO
CREATE TABLE app.accounts (id bigint PRIMARY KEY, name nvarchar(200) NOT NULL, balance decimal(14,2) NOT NULL,
  active bit NOT NULL, updated_at datetimeoffset(6) NOT NULL);
CREATE TABLE app.order_lines (order_id bigint NOT NULL, line_no int NOT NULL, sku nvarchar(100) NOT NULL, qty int NOT NULL,
  price decimal(12,2) NOT NULL, PRIMARY KEY (order_id, line_no));
CREATE TABLE app.products (sku nvarchar(100) PRIMARY KEY, title nvarchar(400) NULL, weight_g int NULL, tags nvarchar(400) NULL);
CREATE TABLE app.heartbeat (id int PRIMARY KEY, beat bigint NOT NULL, at datetimeoffset(6) NOT NULL);
-- Debezium's signalling table (source channel, and the incremental snapshots' watermarks).
CREATE TABLE app.debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data nvarchar(max) NULL);
GO
EXEC sys.sp_cdc_enable_db;
GO
EXEC sys.sp_cdc_enable_table @source_schema = 'app', @source_name = 'accounts', @role_name = NULL, @supports_net_changes = 0;
EXEC sys.sp_cdc_enable_table @source_schema = 'app', @source_name = 'order_lines', @role_name = NULL, @supports_net_changes = 0;
EXEC sys.sp_cdc_enable_table @source_schema = 'app', @source_name = 'products', @role_name = NULL, @supports_net_changes = 0;
EXEC sys.sp_cdc_enable_table @source_schema = 'app', @source_name = 'heartbeat', @role_name = NULL, @supports_net_changes = 0;
EXEC sys.sp_cdc_enable_table @source_schema = 'app', @source_name = 'debezium_signal', @role_name = NULL, @supports_net_changes = 0;
GO
