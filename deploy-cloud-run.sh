#!/usr/bin/env bash
# Deploys Symposium to Cloud Run. The first run prepares the project (APIs,
# service account and roles, image repository, private services access);
# later runs with --update only build and roll out a new image.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: ./deploy-cloud-run.sh [--update] [--dry-run] [--project ID] [--region REGION] [--service NAME]

First deploy (no --update):
  1. enables the APIs: run, sqladmin, redis, storage, cloudbuild,
     artifactregistry, monitoring, compute, servicenetworking
  2. creates the service account <service>-runner with roles/cloudsql.admin,
     roles/redis.admin, roles/storage.admin and roles/monitoring.viewer
  3. creates the Artifact Registry repository "symposium" and the private
     services access range Cloud SQL and Memorystore use on the VPC
  4. builds the image from ./Dockerfile with Cloud Build (gcloud builds
     submit, Docker with BuildKit), the same image `make test-image` builds
     and checks with podman
  5. deploys with --execution-environment gen2, Direct VPC egress and
     PROVISIONING_MODE=auto: the service creates Cloud SQL, Memorystore
     and its bucket on first start (within COST_LIMIT) and uses them
--update: steps 4 and 5 only, keeping the service's settings.
--dry-run: print every gcloud command instead of running it, as for a
  project where nothing exists yet (needs neither gcloud nor a login).

Options (or environment variables):
  --project ID      GCP_PROJECT_ID   (default: gcloud's current project)
  --region REGION   GCP_REGION       (default: us-central1)
  --service NAME    SERVICE_NAME     (default: symposium)
                    GCP_NETWORK      VPC network (default: default)
                    GCP_SUBNET       subnet in REGION (default: the network's name)
                    COST_LIMIT       USD per month the service may provision (default: 100)
  -h, --help        show this help

Requires the Google Cloud SDK (gcloud), logged in as a project owner.
USAGE
}

update=false
dry=false
project="${GCP_PROJECT_ID:-}"
region="${GCP_REGION:-us-central1}"
service="${SERVICE_NAME:-symposium}"
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--update) update=true ;;
	--dry-run) dry=true ;;
	--project) project="${2:?--project needs a value}"; shift ;;
	--region) region="${2:?--region needs a value}"; shift ;;
	--service) service="${2:?--service needs a value}"; shift ;;
	*) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

if ! $dry && ! command -v gcloud >/dev/null 2>&1; then
	echo "gcloud not found: install the Google Cloud SDK (https://cloud.google.com/sdk/docs/install)" >&2
	exit 1
fi
if [ -z "$project" ] && ! $dry; then
	project="$(gcloud config get-value project 2>/dev/null || true)"
fi
if [ -z "$project" ]; then
	echo "no project: pass --project or set GCP_PROJECT_ID" >&2
	exit 1
fi

network="${GCP_NETWORK:-default}"
subnet="${GCP_SUBNET:-$network}"
sa_name="${service}-runner"
sa="${sa_name}@${project}.iam.gserviceaccount.com"
repo="symposium"
image="${region}-docker.pkg.dev/${project}/${repo}/${service}:$(date +%Y%m%d-%H%M%S)"
# In a dry run g prints the command on fd 3 (the original stdout, so a
# pipe or $(...) around g does not swallow it) and fails, as gcloud does
# for a resource that does not exist yet.
exec 3>&1
g() {
	if $dry; then
		printf 'gcloud' >&3
		printf ' %q' --project "$project" --quiet "$@" >&3
		printf '\n' >&3
		return 1
	fi
	gcloud --project "$project" --quiet "$@"
}
step() { printf '\n==> %s\n' "$*"; }

if ! $update; then
	step "Enabling APIs"
	g services enable run.googleapis.com sqladmin.googleapis.com redis.googleapis.com \
		storage.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com \
		monitoring.googleapis.com compute.googleapis.com servicenetworking.googleapis.com || $dry

	step "Service account $sa"
	if ! g iam service-accounts describe "$sa" >/dev/null 2>&1; then
		g iam service-accounts create "$sa_name" --display-name "Symposium on Cloud Run" || $dry
	fi
	for role in roles/cloudsql.admin roles/redis.admin roles/storage.admin roles/monitoring.viewer; do
		g projects add-iam-policy-binding "$project" --member "serviceAccount:$sa" \
			--role "$role" --condition None >/dev/null || $dry
		$dry || echo "granted $role"
	done

	step "Artifact Registry repository $repo"
	if ! g artifacts repositories describe "$repo" --location "$region" >/dev/null 2>&1; then
		g artifacts repositories create "$repo" --location "$region" --repository-format docker || $dry
	fi

	step "Private services access on network $network"
	# Cloud SQL private IP and Memorystore live in a Google-managed VPC
	# peered with this range; Cloud Run reaches them by Direct VPC egress.
	if ! g compute addresses describe symposium-psa --global >/dev/null 2>&1; then
		g compute addresses create symposium-psa --global --purpose VPC_PEERING \
			--prefix-length 20 --network "$network" || $dry
	fi
	if ! g services vpc-peerings list --network "$network" --format 'value(peering)' | grep -q .; then
		g services vpc-peerings connect --service servicenetworking.googleapis.com \
			--ranges symposium-psa --network "$network" || $dry
	fi
fi

step "Building $image"
# The Dockerfile's cache mounts need BuildKit, which Cloud Build's docker
# step enables with DOCKER_BUILDKIT=1; --tag alone would use the classic
# builder.
here="$(cd "$(dirname "$0")" && pwd)"
config="$(mktemp --suffix .yaml)"
trap 'rm -f "$config"' EXIT
cat >"$config" <<BUILD
steps:
- name: gcr.io/cloud-builders/docker
  env: [DOCKER_BUILDKIT=1]
  args: [build, --tag, '$image', --file, Dockerfile, .]
images: ['$image']
BUILD
g builds submit "$here" --config "$config" || $dry
if $dry; then
	sed 's/^/#   /' "$config"
fi

step "Deploying $service to $region"
if $update; then
	g run deploy "$service" --image "$image" --region "$region" || $dry
else
	# The first admin key: made here, printed once below, and only its
	# SHA-256 goes into the service's settings (ADMIN_KEY_HASH); the service
	# records it at start unless that key id is already known (so revoking
	# it sticks). Cloud Run IAM is not used for this: the UI is for browsers
	# of people outside the project, which IAM's invoker check would lock out.
	admin_id="$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	admin_key="sym_${admin_id}_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
	admin_hash="$(printf '%s' "$admin_key" | sha256sum | cut -d' ' -f1)"
	# --session-affinity: a live session of an interactive block lives in
	# one instance's isolate. Affinity sends a browser's requests to the
	# instance that served it before (best effort, by cookie), so its events
	# reach that isolate directly; when they do not (the instance scaled in,
	# a script without the cookie), the instance that gets one forwards it
	# through Memorystore to the holder, or answers session_moved if the
	# holder is gone. The UI's WebSocket stays on one instance anyway.
	g run deploy "$service" --image "$image" --region "$region" \
		--session-affinity \
		--execution-environment gen2 \
		--service-account "$sa" \
		--network "$network" --subnet "$subnet" --vpc-egress private-ranges-only \
		--cpu 2 --memory 2Gi --port 8080 \
		--set-env-vars "PROVISIONING_MODE=auto,GCP_PROJECT_ID=$project,GCP_REGION=$region,SERVICE_NAME=$service,COST_LIMIT=${COST_LIMIT:-100},HOST=0.0.0.0,AUTH_MODE=keys,TRUSTED_PROXIES=169.254.0.0/16,ADMIN_KEY_HASH=$admin_id:$admin_hash" \
		--allow-unauthenticated || $dry
fi

url="$(g run services describe "$service" --region "$region" --format 'value(status.url)')" || $dry
if $dry; then
	printf '\nDry run: nothing was changed.\n'
else
	printf '\nSymposium is deployed: %s\n' "$url"
	if [ -n "${admin_key:-}" ]; then
		printf '\nFirst admin key (shown once; sign in with it, then make tenant keys\nwith "symposium keys create" against the same storage):\n  %s\n' "$admin_key"
	fi
fi
