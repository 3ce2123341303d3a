-- A data subject's Transparency Center shows the e-mail address it signed in with, masked
-- ("a***@e***.com"): written when the subject proves the address by a magic link, never from
-- what a controller's systems send (only keyed hashes are kept of those). Readable by the subject
-- alone (src/privacy/model/subjects.ts).
ALTER TABLE public.data_subject_identifiers ADD COLUMN masked text CHECK (length(masked) <= 64);
