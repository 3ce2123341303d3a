-- updated_at follows every change, whoever makes it (the API, the CLI, a migration), as with
-- Hasura's set_current_timestamp_updated_at triggers.
CREATE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER data_controllers_set_updated_at BEFORE UPDATE ON public.data_controllers
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER data_subjects_set_updated_at BEFORE UPDATE ON public.data_subjects
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
