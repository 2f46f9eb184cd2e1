-- The single row that hands out event ids under a row lock (see schema/events.ts).
INSERT INTO `event_sequence` (`id`, `last_id`) VALUES (1, 0);
