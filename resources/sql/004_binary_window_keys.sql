-- Window keys compare byte for byte. With the table's default collation (utf8mb4_general_ci, PAD SPACE),
-- "Mouse", "mouse" and "Mouse " are one key to the unique index, so the upsert of one window result would
-- overwrite another's row. utf8mb4_nopad_bin keeps every key sstream aggregates apart.
ALTER TABLE order_summary MODIFY PRODUCT VARCHAR(45) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
ALTER TABLE user_view_summary MODIFY USER_NAME VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
