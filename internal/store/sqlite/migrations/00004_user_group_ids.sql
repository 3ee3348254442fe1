-- Each user's group ids, kept on the user's row. Reading them with a
-- correlated subquery cost a b-tree search of user_groups per user: about
-- half of the time of a 60-user page (profiled). The column is what the
-- subquery gave, the ids in ascending order joined by commas, NULL for
-- none; user_groups stays the truth, and the triggers below keep the copy
-- in step with every write to it, whichever path makes it (a user's update,
-- a group's member list, the cascade of a group's deletion).

-- +goose Up
ALTER TABLE users ADD COLUMN group_ids TEXT;

UPDATE users SET group_ids = (
    SELECT group_concat(ug.group_id) FROM user_groups ug WHERE ug.user_id = users.id);

-- The subquery reads user_groups through its primary key (user_id,
-- group_id), so the ids come in ascending order.
-- +goose StatementBegin
CREATE TRIGGER user_groups_insert AFTER INSERT ON user_groups BEGIN
    UPDATE users SET group_ids = (
        SELECT group_concat(ug.group_id) FROM user_groups ug WHERE ug.user_id = new.user_id)
    WHERE id = new.user_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER user_groups_delete AFTER DELETE ON user_groups BEGIN
    UPDATE users SET group_ids = (
        SELECT group_concat(ug.group_id) FROM user_groups ug WHERE ug.user_id = old.user_id)
    WHERE id = old.user_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER user_groups_delete;
DROP TRIGGER user_groups_insert;
ALTER TABLE users DROP COLUMN group_ids;
