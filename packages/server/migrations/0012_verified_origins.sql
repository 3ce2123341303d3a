-- The web origins of a data controller ("Domain Management"): where its widgets run, so that a
-- browser on that origin may call Pavise (docs/contracts.md §1.1). An origin counts once it is
-- verified: its owner proved control of it by publishing the row's token, in a file on the origin
-- or in a DNS TXT record (verifyDataControllerOrigin).
CREATE TABLE public.data_controller_origins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  -- scheme://host[:port] as a browser sends it in Origin: lower case, no default port, no path.
  origin text NOT NULL,
  -- How the token is published: file (<origin>/.well-known/pavise-verification.txt) or dns (a TXT
  -- record at _pavise-verification.<host>).
  method text NOT NULL DEFAULT 'file' CHECK (method IN ('file', 'dns')),
  -- 256 random bits, chosen by the server (never by the caller).
  token text NOT NULL DEFAULT 'pavise-verification-' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
  verified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT pavise.now(),
  UNIQUE (data_controller_id, origin)
);
-- Which controllers verified an origin: the lookup behind every cross-origin request.
CREATE INDEX data_controller_origins_verified_idx ON public.data_controller_origins (origin) WHERE verified_at IS NOT NULL;

-- Origins are stored normalised, so that the lookup compares exactly what browsers send:
-- "HTTPS://Shop.Example.com:443/" becomes "https://shop.example.com". Anything that is not an
-- http(s) origin (a path, a query, credentials, a wildcard, non-ASCII: use the punycode form) is
-- refused with a message saying what is accepted.
CREATE FUNCTION public.normalise_data_controller_origin() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  value text := regexp_replace(lower(btrim(NEW.origin)), '/$', '');
  parts text[];
BEGIN
  parts := regexp_match(value, '^(https?)://([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:([0-9]{1,5}))?$');
  IF parts IS NULL OR length(value) > 300 OR coalesce(parts[7]::integer, 1) NOT BETWEEN 1 AND 65535 THEN
    RAISE EXCEPTION 'origin must be scheme://host[:port] with scheme http or https and nothing after the host or port, e.g. https://shop.example.com'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The port as a number, and the scheme's default port left out, as browsers do.
  NEW.origin := parts[1] || '://' || parts[2] || CASE
    WHEN parts[7] IS NULL OR parts[7]::integer = CASE parts[1] WHEN 'https' THEN 443 ELSE 80 END THEN ''
    ELSE ':' || parts[7]::integer END;
  RETURN NEW;
END;
$$;
CREATE TRIGGER data_controller_origins_normalise BEFORE INSERT OR UPDATE OF origin ON public.data_controller_origins
FOR EACH ROW EXECUTE FUNCTION public.normalise_data_controller_origin();

CREATE TRIGGER data_controller_origins_audit AFTER INSERT OR UPDATE OR DELETE ON public.data_controller_origins
FOR EACH ROW EXECUTE FUNCTION public.record_audit_event();
