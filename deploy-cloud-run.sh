#!/usr/bin/env bash
# Deploys Symposium to Cloud Run. The first run prepares the project (APIs,
# service account and roles, image repository, private services access);
# later runs with --update only build and roll out a new image.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: ./deploy-cloud-run.sh [--update] [--project ID] [--region REGION] [--service NAME]

First deploy (no --update):
  1. enables the APIs: run, sqladmin, redis, storage, cloudbuild,
     artifactregistry, monitoring, compute, servicenetworking
  2. creates the service account <service>-runner with roles/cloudsql.admin,
     roles/redis.admin, roles/storage.admin and roles/monitoring.viewer
  3. creates the Artifact Registry repository "symposium" and the private
     services access range Cloud SQL and Memorystore use on the VPC
  4. builds the image with Cloud Build (gcloud builds submit)
  5. deploys with --execution-environment gen2, Direct VPC egress and
     PROVISIONING_MODE=auto: the service creates Cloud SQL, Memorystore
     and its bucket on first start (within COST_LIMIT) and uses them
--update: steps 4 and 5 only, keeping the service's settings.

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
project="${GCP_PROJECT_ID:-}"
region="${GCP_REGION:-us-central1}"
service="${SERVICE_NAME:-symposium}"
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--update) update=true ;;
	--project) project="${2:?--project needs a value}"; shift ;;
	--region) region="${2:?--region needs a value}"; shift ;;
	--service) service="${2:?--service needs a value}"; shift ;;
	*) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

if ! command -v gcloud >/dev/null 2>&1; then
	echo "gcloud not found: install the Google Cloud SDK (https://cloud.google.com/sdk/docs/install)" >&2
	exit 1
fi
if [ -z "$project" ]; then
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
g() { gcloud --project "$project" --quiet "$@"; }
step() { printf '\n==> %s\n' "$*"; }

if ! $update; then
	step "Enabling APIs"
	g services enable run.googleapis.com sqladmin.googleapis.com redis.googleapis.com \
		storage.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com \
		monitoring.googleapis.com compute.googleapis.com servicenetworking.googleapis.com

	step "Service account $sa"
	if ! g iam service-accounts describe "$sa" >/dev/null 2>&1; then
		g iam service-accounts create "$sa_name" --display-name "Symposium on Cloud Run"
	fi
	for role in roles/cloudsql.admin roles/redis.admin roles/storage.admin roles/monitoring.viewer; do
		g projects add-iam-policy-binding "$project" --member "serviceAccount:$sa" \
			--role "$role" --condition None >/dev/null
		echo "granted $role"
	done

	step "Artifact Registry repository $repo"
	if ! g artifacts repositories describe "$repo" --location "$region" >/dev/null 2>&1; then
		g artifacts repositories create "$repo" --location "$region" --repository-format docker
	fi

	step "Private services access on network $network"
	# Cloud SQL private IP and Memorystore live in a Google-managed VPC
	# peered with this range; Cloud Run reaches them by Direct VPC egress.
	if ! g compute addresses describe symposium-psa --global >/dev/null 2>&1; then
		g compute addresses create symposium-psa --global --purpose VPC_PEERING \
			--prefix-length 20 --network "$network"
	fi
	if ! g services vpc-peerings list --network "$network" --format 'value(peering)' | grep -q .; then
		g services vpc-peerings connect --service servicenetworking.googleapis.com \
			--ranges symposium-psa --network "$network"
	fi
fi

step "Building $image"
here="$(cd "$(dirname "$0")" && pwd)"
g builds submit --tag "$image" "$here"

step "Deploying $service to $region"
if $update; then
	g run deploy "$service" --image "$image" --region "$region"
else
	g run deploy "$service" --image "$image" --region "$region" \
		--execution-environment gen2 \
		--service-account "$sa" \
		--network "$network" --subnet "$subnet" --vpc-egress private-ranges-only \
		--cpu 2 --memory 2Gi --port 8080 \
		--set-env-vars "PROVISIONING_MODE=auto,GCP_PROJECT_ID=$project,GCP_REGION=$region,SERVICE_NAME=$service,COST_LIMIT=${COST_LIMIT:-100}" \
		--allow-unauthenticated
fi

url="$(g run services describe "$service" --region "$region" --format 'value(status.url)')"
printf '\nSymposium is deployed: %s\n' "$url"
