-- Planted drift, applied to the target only. Every change here must show up in the report, and nothing else.
-- customers: first row changed, a middle row missing, an email changed, NULL turned into '', last row changed, an extra row.
UPDATE shop.customers SET name = name || ' (typo)' WHERE id = 1;
DELETE FROM shop.customers WHERE id = 17;
UPDATE shop.customers SET email = 'changed@example.com' WHERE id = 42;
UPDATE shop.customers SET notes = '' WHERE id = 49;           -- was NULL
UPDATE shop.customers SET balance = balance + 0.01 WHERE id = 500;
INSERT INTO shop.customers VALUES (1001, 'Ghost Row', NULL, 'XX', now(), 0, true, md5('ghost')::uuid, NULL);

-- orders (composite key): one missing, one changed status, one extra.
DELETE FROM shop.orders WHERE customer_id = 3 AND order_no = 2;
UPDATE shop.orders SET status = 'cancelled' WHERE customer_id = 7 AND order_no = 1;
INSERT INTO shop.orders VALUES (999, 1, '2024-06-01 10:00:00', 'new', 1.00);

-- order_lines: a decimal changed in the 4th place, a float changed, the last row missing.
UPDATE shop.order_lines SET unit_price = unit_price + 0.0001 WHERE id = 500;
UPDATE shop.order_lines SET weight_kg = weight_kg * 2 WHERE id = 1234;
DELETE FROM shop.order_lines WHERE id = 3000;
