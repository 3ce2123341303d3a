-- Whoever inserts a data controller through the API becomes its owner. The engine exposes the
-- request's session variables as current_setting('hasura.user'), as Hasura does; inserts made
-- without a session (bootstrap, administration) add their members themselves.
CREATE FUNCTION public.make_inserting_user_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  session_user_id text := nullif(current_setting('hasura.user', true), '')::json ->> 'x-hasura-user-id';
BEGIN
  IF session_user_id IS NOT NULL THEN
    INSERT INTO public.data_controller_users (data_controller_id, user_id, role)
    VALUES (NEW.id, session_user_id::uuid, 'owner')
    ON CONFLICT (data_controller_id, user_id) DO NOTHING;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER data_controllers_inserting_user_is_owner
AFTER INSERT ON public.data_controllers
FOR EACH ROW EXECUTE FUNCTION public.make_inserting_user_owner();
