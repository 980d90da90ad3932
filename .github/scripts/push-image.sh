#!/usr/bin/env bash
# push-image.sh DOCKERFILE REPOSITORY_URL TAG: build and push one image, unless the tag is already
# in the repository (ECR tags are immutable, so a re-run of the same commit must not push again).
set -euo pipefail
dockerfile=$1 repository=$2 tag=$3
name=${repository#*/}
if aws ecr describe-images --repository-name "$name" --image-ids imageTag="$tag" >/dev/null 2>&1; then
  echo "$repository:$tag already pushed"
  exit 0
fi
docker build --file "$dockerfile" --tag "$repository:$tag" --label "org.opencontainers.image.revision=$tag" .
docker push "$repository:$tag"
