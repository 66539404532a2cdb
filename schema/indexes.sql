-- Built once after the bulk load; see doc.go for why each exists.
CREATE UNIQUE INDEX customers_customer_id ON customers(customer_id);
CREATE INDEX customers_city ON customers(city);
CREATE INDEX customers_province ON customers(province);
CREATE INDEX customers_birth_date ON customers(birth_date);
CREATE INDEX customers_register_date ON customers(register_date);
CREATE UNIQUE INDEX products_product_id ON products(product_id);
CREATE INDEX products_category ON products(category);
CREATE INDEX products_category_l1 ON products(category_l1);
CREATE INDEX products_brand ON products(brand);
CREATE INDEX products_product_name ON products(product_name);
CREATE UNIQUE INDEX orders_order_id ON orders(order_id);
CREATE INDEX orders_customer ON orders(customer_key, order_date);
CREATE INDEX order_items_order ON order_items(order_key);
CREATE INDEX purchase_lines_product ON purchase_lines(product_key, date, channel, customer_key, amount_cents, quantity);
CREATE INDEX purchase_orders_date ON purchase_orders(date, channel, customer_key, pay_cents);
CREATE INDEX purchase_orders_customer ON purchase_orders(customer_key, date, pay_cents);
