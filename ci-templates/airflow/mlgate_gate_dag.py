"""Airflow DAG: train, gate with mlgate, deploy.

    train_model >> mlgate_gate >> deploy_model

`mlgate_gate` runs the suite with `mlgate run --promote`: when every gating
check passes, mlgate promotes the model in the registries of the suite's
gate.promote (MLflow alias, signed webhook) and exits 0, so the deployment
runs; when a check fails (exit 1) or cannot be evaluated (exit 3) the task
fails, nothing is promoted and the deployment does not run.

Copy this file into your DAGs folder. It reads, on the workers:
  MLGATE_PROJECT_DIR  the project folder: the suite and what it reads
                      (default /opt/ml/fraud)
  MLGATE_SUITE        the suite file in it (default mlgate.json)
  MLGATE              the mlgate binary (default: mlgate on PATH)
  MLGATE_REPORTS      where the reports go (default <project>/mlgate-reports/<run id>)
  TRAIN_COMMAND       the training command (default: sh train.sh)
  DEPLOY_COMMAND      the deployment command (default: kubectl rollout restart
                      deployment/fraud-model, which reloads the serving pods;
                      they load models:/fraud-model@champion)
and the variables the suite's gate.promote names (MLFLOW_TRACKING_URI,
MLFLOW_TRACKING_TOKEN, REGISTRY_HOOK_URL, MLGATE_WEBHOOK_SECRET), e.g. from
your secrets backend. MODEL_VERSION, the version to promote, is the DAG run's
parameter `model_version` (Trigger DAG w/ config), else the worker's
MODEL_VERSION.
"""

from __future__ import annotations

import pendulum

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

# Shell commands (Jinja templates: no "{#" in them). Each runs with the
# worker's environment plus `env` below, and fails the task when it fails.
TRAIN = r"""
set -eu
cd "${MLGATE_PROJECT_DIR:-/opt/ml/fraud}"
${TRAIN_COMMAND:-sh train.sh}
"""

GATE = r"""
set -u
cd "${MLGATE_PROJECT_DIR:-/opt/ml/fraud}"
if [ -n "${MLGATE_MODEL_VERSION:-}" ]; then export MODEL_VERSION="$MLGATE_MODEL_VERSION"; fi
reports="${MLGATE_REPORTS:-mlgate-reports/${AIRFLOW_CTX_DAG_RUN_ID:-manual}}"
mkdir -p "$reports"
exec "${MLGATE:-mlgate}" run -c "${MLGATE_SUITE:-mlgate.json}" --promote \
    --junit "$reports/junit.xml" --json "$reports/results.json" \
    --summary "$reports/summary.md" --metrics "$reports/metrics.txt" --color never
"""

DEPLOY = r"""
set -eu
cd "${MLGATE_PROJECT_DIR:-/opt/ml/fraud}"
${DEPLOY_COMMAND:-kubectl rollout restart deployment/fraud-model}
"""

with DAG(
    dag_id="mlgate_gate",
    description="Train the model, gate it with mlgate (promoting it when the gate is open), deploy it",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    params={"model_version": ""},
    tags=["mlgate", "ml"],
    doc_md=__doc__,
) as dag:
    train_model = BashOperator(
        task_id="train_model",
        bash_command=TRAIN,
        append_env=True,
    )

    mlgate_gate = BashOperator(
        task_id="mlgate_gate",
        bash_command=GATE,
        # Keep the worker's environment (PATH, the registry secrets) and add
        # the version to promote, when the run names one.
        env={"MLGATE_MODEL_VERSION": "{{ params.model_version }}"},
        append_env=True,
        # mlgate's exit codes: 0 gate open (promoted), 1 a check failed,
        # 2 suite error, 3 a check could not be evaluated, 4 a registry
        # call failed. None of them means "skip".
        skip_on_exit_code=None,
        retries=0,
    )

    deploy_model = BashOperator(
        task_id="deploy_model",
        bash_command=DEPLOY,
        append_env=True,
    )

    train_model >> mlgate_gate >> deploy_model
