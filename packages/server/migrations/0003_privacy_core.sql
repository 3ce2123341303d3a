-- The first slice of the privacy domain: data controllers (organisations), their members, and
-- their data subjects. Every tenant table carries data_controller_id.

CREATE TABLE public.data_controllers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL,
  did text,
  email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Membership, with the dashboard role (owner, admin, developer, ... — the privacy issue
-- constrains the nine roles).
CREATE TABLE public.data_controller_users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'member',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_controller_id, user_id)
);
CREATE INDEX data_controller_users_user_id_idx ON public.data_controller_users (user_id);

CREATE TABLE public.data_subjects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  data_controller_id uuid NOT NULL REFERENCES public.data_controllers (id) ON DELETE CASCADE,
  did text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_subjects_data_controller_id_idx ON public.data_subjects (data_controller_id);
