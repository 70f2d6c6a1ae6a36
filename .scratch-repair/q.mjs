import sqlParser from 'node-sql-parser';
const p = new sqlParser.Parser();
const hostile = "x' OR 1=1; DROP TABLE t --\n/* */ ]\\ é 😀";
const lit = "N'" + hostile.replace(/'/g, "''") + "'";
const ast = p.astify(`SELECT * FROM [dbo].[t] WHERE ([a] = ${lit} AND [b] = -3) OR ([a] = N'' AND [b] = 4)`, {database:'TransactSQL'});
console.log(JSON.stringify(ast.where, null, 1).slice(0,1500));
const ast2 = p.astify(`SELECT * FROM [dbo].[t] WHERE [id] IN (1, -2, 3)`, {database:'TransactSQL'});
console.log(JSON.stringify(ast2.where));
try { console.log(JSON.stringify(p.astify(`SELECT * FROM t WHERE a = 'x' OR 1=1 --'`, {database:'TransactSQL'}).where)); } catch(e) { console.log('fail', e.message.slice(0,100)); }
console.log(JSON.stringify(p.astify(`SELECT * FROM "public"."t" WHERE ("a" = 'it''s' AND "b" = decode('ab', 'hex'))`, {database:'PostgresQL'}).where));
