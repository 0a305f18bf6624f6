-- eos_token_id may be a list of ids ("[128001,128008,128009]"): room for the longest list accepted (32 ids).
ALTER TABLE model_parameter ALTER COLUMN param_value SET DATA TYPE VARCHAR(400);
ALTER TABLE parameter_change ALTER COLUMN old_value SET DATA TYPE VARCHAR(400);
ALTER TABLE parameter_change ALTER COLUMN new_value SET DATA TYPE VARCHAR(400);
