-- A run that failed for being cancelled (Cancel in the window, Ctrl+C),
-- listed so without reading its log. Runs from before read as failed.
ALTER TABLE runs ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
