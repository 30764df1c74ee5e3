/*
 * State the scan threads share without the engine's lock: the choice of
 * the CSV field splitter (decided on first use, by whichever thread gets
 * there first), the memory budget, and what the statistics that end()
 * computes on -j threads touch in libm. Each test starts its threads
 * together at a barrier so they race; in the plain build they check the
 * answers, under ThreadSanitizer (make check SANITIZE=thread) that the
 * accesses are synchronised.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch_internal.h"
#include "drift_internal.h"
#include "mlgate/modelmetrics.h"
#include "reader.h"
#include "util.h"

#define NTHREADS 8

struct simd_job {
	pthread_barrier_t *start;
	const char *seen[100];
};

static void *ask_simd(void *arg)
{
	struct simd_job *j = arg;

	pthread_barrier_wait(j->start);
	for (size_t i = 0; i < sizeof(j->seen) / sizeof(j->seen[0]); i++)
		j->seen[i] = mlg_csvscan_simd();
	return NULL;
}

/* Every thread asks first, at once: one answer, the one MLGATE_SIMD asks for. */
static void splitter_chosen_by_threads(const char *env)
{
	for (int round = 0; round < 20; round++) {
		pthread_barrier_t start;
		pthread_t th[NTHREADS];
		struct simd_job jobs[NTHREADS];
		const char *want;

		/* set before the threads start: nothing writes the environment while they run */
		if (env)
			setenv("MLGATE_SIMD", env, 1);
		else
			unsetenv("MLGATE_SIMD");
		mlg_csvscan_force_generic(-1); /* undecided: the threads decide */
		assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
		for (size_t i = 0; i < NTHREADS; i++) {
			memset(&jobs[i], 0, sizeof(jobs[i]));
			jobs[i].start = &start;
			assert_int_equal(pthread_create(&th[i], NULL, ask_simd, &jobs[i]), 0);
		}
		for (size_t i = 0; i < NTHREADS; i++)
			assert_int_equal(pthread_join(th[i], NULL), 0);
		pthread_barrier_destroy(&start);
		want = mlg_csvscan_simd();
		if (env)
			assert_string_equal(want, "generic");
		for (size_t i = 0; i < NTHREADS; i++)
			for (size_t k = 0; k < sizeof(jobs[i].seen) / sizeof(jobs[i].seen[0]); k++)
				assert_string_equal(jobs[i].seen[k], want);
	}
	unsetenv("MLGATE_SIMD");
	mlg_csvscan_force_generic(-1);
}

static void test_splitter_chosen_by_threads(void **state)
{
	(void)state;
	splitter_chosen_by_threads(NULL);
}

static void test_splitter_forced_generic_by_env(void **state)
{
	(void)state;
	splitter_chosen_by_threads("generic");
}

struct mem_job {
	pthread_barrier_t *start;
	struct mlg_mem *mem;
	size_t refused;
};

static void *charge_and_give_back(void *arg)
{
	struct mem_job *j = arg;

	pthread_barrier_wait(j->start);
	for (int i = 0; i < 20000; i++) {
		size_t bytes = (size_t)(i % 7 + 1) * 100;

		if (mlg_mem_charge(j->mem, bytes) == 0)
			mlg_mem_uncharge(j->mem, bytes);
		else
			j->refused++;
	}
	return NULL;
}

/* Charges from every thread at once never pass the limit together, and all
 * come back: the budget is what the scan threads share most often. */
static void test_memory_budget_shared_by_threads(void **state)
{
	struct mlg_mem mem;
	pthread_barrier_t start;
	pthread_t th[NTHREADS];
	struct mem_job jobs[NTHREADS];
	size_t refused = 0;

	(void)state;
	/* room for about three charges at once: some threads must be refused */
	mlg_mem_init(&mem, 2000);
	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (size_t i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct mem_job){ &start, &mem, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, charge_and_give_back, &jobs[i]), 0);
	}
	for (size_t i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		refused += jobs[i].refused;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(atomic_load(&mem.used), 0);
	/* alone, every charge fits */
	assert_int_equal(mlg_mem_charge(&mem, 2000), 0);
	assert_int_equal(mlg_mem_charge(&mem, 1), -1);
	mlg_mem_uncharge(&mem, 2000);
	(void)refused; /* how many depends on the scheduler */
}

struct stats_job {
	pthread_barrier_t *start;
	double smirnov, mcnemar_p;
};

static void *statistics(void *arg)
{
	struct stats_job *j = arg;
	struct mlg_mcnemar m;

	pthread_barrier_wait(j->start);
	for (int i = 0; i < 50; i++) {
		/* both reach Stirling's error of small counts, from lgamma() */
		j->smirnov = mlg_drift__smirnov(100, 0.1);
		mlg_mcnemar(3, 2000, &m);
		j->mcnemar_p = m.exact_p;
	}
	return NULL;
}

/*
 * KS p-values (data.drift) and McNemar's test (model checks) are computed
 * by end() on several threads at once. lgamma() writes the global signgam:
 * they must use lgamma_r().
 */
static void test_statistics_from_threads(void **state)
{
	pthread_barrier_t start;
	pthread_t th[NTHREADS];
	struct stats_job jobs[NTHREADS];
	struct mlg_mcnemar m;
	double smirnov = mlg_drift__smirnov(100, 0.1);

	(void)state;
	mlg_mcnemar(3, 2000, &m);
	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (size_t i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct stats_job){ &start, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, statistics, &jobs[i]), 0);
	}
	for (size_t i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (size_t i = 0; i < NTHREADS; i++) {
		assert_true(jobs[i].smirnov == smirnov);
		assert_true(jobs[i].mcnemar_p == m.exact_p);
	}
	assert_true(smirnov > 0 && smirnov < 1);
	assert_true(m.exact_p >= 0 && m.exact_p < 1e-100); /* 2003 trials, 3 of one side */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splitter_chosen_by_threads),
		cmocka_unit_test(test_splitter_forced_generic_by_env),
		cmocka_unit_test(test_memory_budget_shared_by_threads),
		cmocka_unit_test(test_statistics_from_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
