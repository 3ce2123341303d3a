-- Privacy notices: drafted by a controller's members, readable by anyone once published (the
-- Transparency Center shows them to visitors who have no account).
CREATE TABLE public.privacy_notices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  title text NOT NULL,
  -- The notice types of the Dxtra docs: website, mobile app, employee, candidate,
  -- vendor/partner and children's.
  notice_type text NOT NULL DEFAULT 'website'
    CHECK (notice_type IN ('website', 'mobileApp', 'employee', 'candidate', 'vendor', 'children')),
  language text NOT NULL DEFAULT 'en',
  content text NOT NULL DEFAULT '',
  -- Raised by one each time a changed notice is published again.
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX privacy_notices_data_controller_id_idx ON public.privacy_notices (data_controller_id);
CREATE TRIGGER privacy_notices_set_updated_at BEFORE UPDATE ON public.privacy_notices
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
