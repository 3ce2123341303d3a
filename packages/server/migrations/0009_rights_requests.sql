-- Rights management "Active Services" (rights_services, migration 0008) decide which request
-- types a controller's Transparency Center accepts. submitDataSubjectsRightsRequest checks this
-- before writing, to answer clearly; this trigger holds the rule for every other way a form
-- request can be inserted (the dataSubject role may insert its own requests through GraphQL).
-- Requests a member records (channels api, dashboard, import) are not limited: a right
-- exercised by email still has to be answered, whatever the portal offers.

-- A controller that has configured no services accepts every type; once it has, only the
-- enabled ones.
CREATE FUNCTION public.rights_request_type_accepted(p_controller_id uuid, p_request_type text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM public.rights_services WHERE data_controller_id = p_controller_id)
      OR EXISTS (SELECT 1 FROM public.rights_services
                 WHERE data_controller_id = p_controller_id AND request_type = p_request_type AND enabled)
$$;

CREATE FUNCTION public.check_rights_request_type_accepted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.channel = 'form' AND NOT public.rights_request_type_accepted(NEW.data_controller_id, NEW.request_type) THEN
    RAISE EXCEPTION 'the data controller does not accept % requests', NEW.request_type USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

-- Named to sort after data_subject_rights_requests_prepare (BEFORE triggers fire in name order),
-- which fills data_controller_id from the subject.
CREATE TRIGGER data_subject_rights_requests_type_accepted
BEFORE INSERT ON public.data_subject_rights_requests
FOR EACH ROW EXECUTE FUNCTION public.check_rights_request_type_accepted();
