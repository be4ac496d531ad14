#!/usr/bin/env bash
# Offline check of the Terraform in infra/terraform: fmt, then init + validate + test for every
# module and example, against the mocked AWS provider (mock_provider "aws" in tests/*.tftest.hcl).
# Needs no AWS account and no registry access: hashicorp/aws is installed from a local filesystem
# mirror (a directory holding registry.terraform.io/hashicorp/aws/...).
#
#   bash infra/terraform/check.sh            # exit 0 = everything passed (or SKIPPED, see below)
#   TF_PROVIDER_MIRROR=/path bash check.sh   # use this mirror root instead of searching for one
#
# Prints one summary line, e.g.
#   terraform: fmt ok, validate ok (7 configurations), test 78 passed, 0 failed
set -euo pipefail

if ! command -v terraform >/dev/null 2>&1; then
  echo "SKIPPED terraform: terraform binary not found on PATH"
  exit 0
fi

script="${BASH_SOURCE[0]}"
[[ "${script}" == */* ]] || script="./${script}"
here="$(cd "${script%/*}" && pwd)"

# --- provider mirror -----------------------------------------------------------------------------
mirror=""
if [[ -n "${TF_PROVIDER_MIRROR:-}" && -d "${TF_PROVIDER_MIRROR}/registry.terraform.io/hashicorp/aws" ]]; then
  mirror="${TF_PROVIDER_MIRROR}"
else
  while IFS= read -r dir; do
    if [[ -d "${dir}/hashicorp/aws" ]]; then
      mirror="$(dirname "${dir}")"
      break
    fi
  done < <(find / -maxdepth 3 -type d -name registry.terraform.io 2>/dev/null | sort)
fi
if [[ -z "${mirror}" ]]; then
  echo "SKIPPED terraform: no provider mirror (registry.terraform.io) found"
  exit 0
fi

work="$(mktemp -d)"
created_locks=()
cleanup() {
  for lock in "${created_locks[@]+"${created_locks[@]}"}"; do rm -f "${lock}"; done
  rm -rf "${work}"
}
trap cleanup EXIT

cat >"${work}/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
EOF
export TF_CLI_CONFIG_FILE="${work}/cli.tfrc"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
unset TF_WORKSPACE TF_CLI_ARGS TF_CLI_ARGS_init TF_CLI_ARGS_validate TF_CLI_ARGS_test

failures=0
fail() {
  # $1 = what failed, $2 = log file
  echo "FAILED: $1" >&2
  sed 's/^/  | /' "$2" >&2
  failures=$((failures + 1))
}

# --- fmt -----------------------------------------------------------------------------------------
fmt_status="ok"
if ! terraform -chdir="${here}" fmt -check -recursive -diff >"${work}/fmt.log" 2>&1; then
  fmt_status="FAILED"
  fail "terraform fmt -check -recursive (run: terraform fmt -recursive ${here})" "${work}/fmt.log"
fi

# --- init, validate, test per configuration ------------------------------------------------------
configs=()
for dir in "${here}"/modules/*/ "${here}"/examples/*/; do
  [[ -d "${dir}" ]] && ls "${dir}"*.tf >/dev/null 2>&1 && configs+=("${dir%/}")
done

validate_status="ok"
passed=0
failed=0
for dir in "${configs[@]}"; do
  name="${dir#"${here}"/}"
  log="${work}/$(echo "${name}" | tr '/' '_')"
  # Keep .terraform/ out of the source tree; lock files are not committed (see README).
  export TF_DATA_DIR="${work}/data/${name}"
  [[ -e "${dir}/.terraform.lock.hcl" ]] || created_locks+=("${dir}/.terraform.lock.hcl")

  if ! terraform -chdir="${dir}" init -backend=false -input=false -no-color >"${log}.init" 2>&1; then
    validate_status="FAILED"
    fail "terraform init in ${name}" "${log}.init"
    continue
  fi
  if ! terraform -chdir="${dir}" validate -no-color >"${log}.validate" 2>&1; then
    validate_status="FAILED"
    fail "terraform validate in ${name}" "${log}.validate"
  fi
  if ! ls "${dir}"/tests/*.tftest.hcl >/dev/null 2>&1; then
    continue
  fi
  status=0
  terraform -chdir="${dir}" test -no-color >"${log}.test" 2>&1 || status=$?
  # Last line is "Success! N passed, 0 failed." or "Failure! N passed, M failed[, K skipped]."
  summary="$(grep -E '^(Success|Failure)! [0-9]+ passed, [0-9]+ failed' "${log}.test" | tail -n 1 || true)"
  if [[ -z "${summary}" ]]; then
    fail "terraform test in ${name} (no summary line)" "${log}.test"
    failed=$((failed + 1))
    continue
  fi
  p="$(sed -E 's/^[A-Za-z]+! ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"${summary}")"
  f="$(sed -E 's/^[A-Za-z]+! ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"${summary}")"
  s="$(grep -oE '[0-9]+ skipped' <<<"${summary}" | grep -oE '[0-9]+' || echo 0)"
  passed=$((passed + p))
  failed=$((failed + f + s))
  if [[ "${status}" -ne 0 || "${f}" -ne 0 || "${s}" -ne 0 ]]; then
    fail "terraform test in ${name}: ${summary}" "${log}.test"
  fi
done
unset TF_DATA_DIR

echo "terraform: fmt ${fmt_status}, validate ${validate_status} (${#configs[@]} configurations), test ${passed} passed, ${failed} failed"
[[ "${failures}" -eq 0 ]]
