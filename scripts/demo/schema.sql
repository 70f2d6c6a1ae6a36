-- Demo / test schema: a small shop, loaded identically into source and target.
CREATE SCHEMA IF NOT EXISTS shop;

CREATE TABLE shop.customers (
  id          integer PRIMARY KEY,
  name        text NOT NULL,
  email       varchar(200),
  country     char(2),
  created_at  timestamptz NOT NULL,
  balance     numeric(12,2) NOT NULL,
  active      boolean NOT NULL,
  external_id uuid NOT NULL,
  notes       text
);

CREATE TABLE shop.orders (
  customer_id integer NOT NULL,
  order_no    integer NOT NULL,
  ordered_at  timestamp(3) NOT NULL,
  status      varchar(20) NOT NULL,
  total       numeric(12,2) NOT NULL,
  PRIMARY KEY (customer_id, order_no)
);

CREATE TABLE shop.order_lines (
  id          bigint PRIMARY KEY,
  customer_id integer NOT NULL,
  order_no    integer NOT NULL,
  sku         char(8) NOT NULL,
  qty         integer NOT NULL,
  unit_price  numeric(10,4) NOT NULL,
  discount    real,
  weight_kg   double precision,
  ship_date   date,
  payload     bytea
);

INSERT INTO shop.customers
SELECT i,
       (ARRAY['Zoë Ångström', '山田 太郎', 'José Müller', 'Ólafur Þór', 'Anna | Pipe', 'emoji 🚀 fan'])[1 + i % 6] || ' #' || i,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
       (ARRAY['FR', 'JP', 'DE', 'IS', 'BR'])[1 + i % 5],
       timestamptz '2024-01-01 00:00:00+00' + i * interval '37 minutes 13.123456 seconds',
       round((i * 7.31)::numeric % 10000, 2),
       i % 3 <> 0,
       md5('cust' || i)::uuid,
       CASE WHEN i % 7 = 0 THEN NULL WHEN i % 7 = 1 THEN '' ELSE 'note ' || i END
FROM generate_series(1, 500) AS i;

INSERT INTO shop.orders
SELECT c, o,
       timestamp '2024-02-01 08:00:00' + (c * 10 + o) * interval '1 hour 2.5 seconds',
       (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + (c + o) % 4],
       round(((c * 13 + o * 17) % 5000)::numeric / 3, 2)
FROM generate_series(1, 500) AS c, generate_series(1, 4) AS o;

INSERT INTO shop.order_lines
SELECT i,
       1 + i % 500,
       1 + i % 4,
       'SKU' || lpad((i % 997)::text, 4, '0'),
       1 + i % 9,
       round((i % 1000)::numeric / 7, 4),
       CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 30)::real / 100 END,
       (i % 1000) / 3.0::double precision,
       date '2024-03-01' + (i % 365),
       CASE WHEN i % 4 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') END
FROM generate_series(1, 3000) AS i;

ANALYZE shop.customers;
ANALYZE shop.orders;
ANALYZE shop.order_lines;
