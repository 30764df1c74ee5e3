/*
 * The one-sample Kolmogorov-Smirnov distributions behind ks_2samp's
 * asymptotic p-value (see drift_internal.h): SciPy's kstwo.sf, as
 * scipy/stats/_ksstats.py computes it in SciPy 1.10.1 (Simard and
 * L'Ecuyer's choice between Ruben-Gambino's closed forms, Durbin's matrix
 * as Marsaglia, Tsang and Wang compute it, Pomeranz's recursion, the
 * Pelz-Good series and twice the one-sided Smirnov sum), and
 * scipy.special.smirnov (scipy/special/cephes/kolmogorov.c). The same
 * methods at the same switch-over points, so that the p-values agree with
 * SciPy's to rounding, not merely to the approximations' accuracy.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drift_internal.h"
#include "util.h"

/* A probability clipped to [0, 1] (NaN passes). A function: its argument is often a whole sum. */
static double clip01(double p)
{
	return p < 0 ? 0.0 : p > 1 ? 1.0 : p;
}

/* ------------------------------------------------------------------ */
/* The one-sided Smirnov distribution (scipy.special.smirnov)          */
/* ------------------------------------------------------------------ */

#define SMIRNOV_MAX_COMPUTE_N 1000000
#define CEPHES_MINLOG (-7.08396418532264106224E2)

/*
 * log(k!) - ((k + 1/2) log k - k + log(2 pi)/2): Stirling's error, from
 * lgamma for small k (where it is small and exact enough) and from its
 * series above 15 (Loader 2000, as R's stirlerr). rk is 1/k.
 */
static double stirlerr(double k, double rk)
{
	double r2;

	if (k <= 15) {
		int sign; /* lgamma() writes the global signgam: a data race on -j threads */

		return lgamma_r(k + 1, &sign) - (k + 0.5) * log(k) + k - 0.5 * log(2 * M_PI);
	}
	r2 = rk * rk;
	return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - (1.0 / 1188) * r2) * r2) * r2) * r2)
	       * rk;
}

/*
 * log1p(u) for the small arguments most Smirnov terms have, as
 * 2 atanh(u / (2 + u)): for |u| < 0.02, t < 0.01 and the series' next
 * term is below 1e-24 relative. libm's log1p costs several times more,
 * and a sum at n = 1e6 takes a million of them.
 */
static double log1p_small(double u)
{
	double t, t2;

	if (!(fabs(u) < 0.02))
		return log1p(u);
	t = u / (2 + u);
	t2 = t * t;
	return 2 * t * (1 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 * (1.0 / 9
		+ t2 * (1.0 / 11))))));
}

/*
 * C(n, v) p^v q^(n-v) / p for p = (v + nx)/n, q = 1 - p, 0 < v < n, in
 * Loader's saddle-point form: Stirling's errors, plus the deviances
 * v log(v/np) + np - v and w log(w/nq) + nq - w (w = n - v), which here are
 * nx - v log1p(nx/v) and -nx - w log1p(-nx/w). Each part is at most ~nx
 * and carries ~eps nx of error, so a term keeps ~1e-13 relative accuracy
 * for n in the millions, where summed logs of the binomial and the
 * powers (each ~n) would lose ~1e-8. `stirlerr_n` is stirlerr(n) and
 * `root_n3` sqrt(n^3 / 2 pi), the same for every term.
 */
static double binomial_term(int64_t n, int64_t v, double nx, double stirlerr_n, double root_n3)
{
	double dv = (double)v, dw = (double)(n - v), rv = 1.0 / dv, rw = 1.0 / dw;
	double lc = stirlerr_n - stirlerr(dv, rv) - stirlerr(dw, rw)
		    + dv * log1p_small(nx * rv) + dw * log1p_small(-nx * rw);

	return exp(lc) * root_n3 * sqrt(rv * rw) / (dv + nx);
}

double mlg_drift__smirnov(int64_t n, double x)
{
	double nx, nx_lo, flr, alpha, stirlerr_n, root_n3;
	struct { double s, c; } sum;
	int64_t nxfl, nterms;

	if (!(n > 0 && x >= 0.0 && x <= 1.0))
		return NAN;
	if (n == 1)
		return 1 - x;
	if (x == 0.0)
		return 1.0;
	if (x == 1.0)
		return 0.0;
	/* floor(n x) and its remainder, exactly (SciPy: double-double) */
	nx = (double)n * x;
	nx_lo = fma((double)n, x, -nx);
	flr = floor(nx);
	alpha = (nx - flr) + nx_lo;
	if (alpha < 0) {
		flr -= 1;
		alpha += 1;
	} else if (alpha >= 1) {
		flr += 1;
		alpha -= 1;
	}
	nxfl = (int64_t)flr;
	if (nxfl == 0 || (nxfl == 1 && alpha == 0))
		return clip01(1 - x * exp((double)(n - 1) * log1p(x)));
	if (-2 * (double)n * x * x < CEPHES_MINLOG)
		return 0.0;
	if (nxfl >= n - 1)
		return clip01(exp((double)n * log1p(-x)));
	if (n > SMIRNOV_MAX_COMPUTE_N) {
		/* SciPy's approximation for large n: p ~ exp(-(6nx+1)^2 / 18n) */
		double logp = -pow(6.0 * (double)n * x + 1, 2) / 18.0 / (double)n;

		return logp < -M_LN2 ? exp(logp) : 1 - (-expm1(logp));
	}
	/*
	 * Birnbaum-Tingey: x sum_{v=0}^{n-nxfl-1} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v),
	 * each term a binomial probability over x + v/n. The terms rise to
	 * v ~ n/2 and then fall; the sum (compensated) stops where SciPy's does.
	 */
	nterms = n - nxfl;
	stirlerr_n = stirlerr((double)n, 1.0 / (double)n);
	root_n3 = sqrt((double)n * (double)n * (double)n / (2 * M_PI));
	sum.s = exp((double)n * log1p(-x)) / x;
	sum.c = 0;
	for (int64_t v = 1; v < nterms; v++) {
		double term = binomial_term(n, v, nx + nx_lo, stirlerr_n, root_n3), t;

		if (isfinite(term) && term != 0) {
			t = sum.s + term;
			sum.c += fabs(sum.s) >= term ? (sum.s - t) + term : (term - t) + sum.s;
			sum.s = t;
		}
		if (term != 0) {
			if (4.0 * (double)(nterms - v) * term < DBL_EPSILON * sum.s && v != nterms - 1)
				break;
		} else if (v > n / 2) {
			break;
		}
	}
	return clip01(x * (sum.s + sum.c));
}

/* ------------------------------------------------------------------ */
/* The two-sided one-sample distribution (SciPy's kstwo, _ksstats.py)  */
/* ------------------------------------------------------------------ */

#define E128 128
#define P128 0x1p128
#define M128 0x1p-128

/* log(n! / n^n) by Stirling's series, n*log(n) taken out up front. */
static double log_nfactorial_div_n_pow_n(double n)
{
	static const double c[] = {
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2,
	};
	double rn = 1.0 / n, x = rn / n, poly = 0;

	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++)
		poly = poly * x + c[k];
	return log(n) / 2 - n + log(2 * M_PI) / 2 + rn * poly;
}

static void matmul(const double *x, const double *y, double *out, double *tmp, int m)
{
	memset(tmp, 0, (size_t)m * (size_t)m * sizeof(*tmp));
	for (int r = 0; r < m; r++)
		for (int k = 0; k < m; k++) {
			double xr = x[r * m + k];

			for (int c = 0; c < m; c++)
				tmp[r * m + c] += xr * y[k * m + c];
		}
	memcpy(out, tmp, (size_t)m * (size_t)m * sizeof(*out));
}

/*
 * Pr(D_n <= d) by Durbin's matrix: the k-th diagonal entry of H^n times
 * n!/n^n, with H (2k-1 square, k = ceil(nd)) squared repeatedly and scaled
 * by 2^128 as it grows (follows SciPy 1.10's _kolmogn_DMTW).
 */
static double kolmogn_dmtw(int64_t n, double d)
{
	double nd, h, fac, tt, p, *hm, *hp, *v, *w, *tmp;
	int k, m;
	int64_t nn, expnt = 0, hexpnt = 0;

	if (d >= 1.0)
		return 1.0;
	nd = (double)n * d;
	if (nd <= 0.5)
		return 0.0;
	k = (int)ceil(nd);
	h = k - nd;
	m = 2 * k - 1;
	hm = mlg_xcalloc((size_t)m * (size_t)m, sizeof(*hm));
	hp = mlg_xcalloc((size_t)m * (size_t)m, sizeof(*hp));
	tmp = mlg_xcalloc((size_t)m * (size_t)m, sizeof(*tmp));
	v = mlg_xcalloc((size_t)m, sizeof(*v));
	w = mlg_xcalloc((size_t)m, sizeof(*w));
	fac = 1.0;
	for (int j = 1; j <= m; j++) {
		v[j - 1] = 1.0 - pow(h, j);
		w[j - 1] = fac;
		fac /= j;
		v[j - 1] *= fac;
	}
	tt = pow(fmax(2 * h - 1.0, 0), m) - 2 * pow(h, m);
	v[m - 1] = (1.0 + tt) * fac;
	for (int i = 1; i < m; i++)
		for (int r = i - 1; r < m; r++)
			hm[r * m + i] = w[r - (i - 1)];
	for (int r = 0; r < m; r++)
		hm[r * m] = v[r];
	for (int c = 0; c < m; c++)
		hm[(m - 1) * m + c] = v[m - 1 - c];
	for (int r = 0; r < m; r++)
		hp[r * m + r] = 1.0;
	for (nn = n; nn > 0; nn /= 2) {
		if (nn % 2) {
			matmul(hp, hm, hp, tmp, m);
			expnt += hexpnt;
		}
		matmul(hm, hm, hm, tmp, m);
		hexpnt *= 2;
		if (fabs(hm[(k - 1) * m + (k - 1)]) > P128) {
			for (int c = 0; c < m * m; c++)
				hm[c] /= P128;
			hexpnt += E128;
		}
	}
	p = hp[(k - 1) * m + (k - 1)];
	for (int64_t i = 1; i <= n; i++) {
		p = (double)i * p / (double)n;
		if (fabs(p) < M128) {
			p *= P128;
			expnt -= E128;
		}
	}
	if (expnt != 0)
		p = ldexp(p, (int)expnt);
	free(hm);
	free(hp);
	free(tmp);
	free(v);
	free(w);
	return clip01(p);
}

/* The interval of row i that can be non-zero (SciPy's _pomeranz_compute_j1j2). */
static void pomeranz_j1j2(int64_t i, int64_t n, int64_t ll, int64_t ceilf, int64_t roundf,
			  int64_t *j1, int64_t *j2)
{
	int64_t a, b;

	if (i == 0) {
		a = -ll - ceilf - 1;
		b = ll + ceilf - 1;
	} else {
		int64_t half = (i + 1) / 2, odd = (i + 1) % 2;

		if (odd == 0) {
			if (half == n + 1) {
				a = n - ll - ceilf - 1;
				b = n + ll + ceilf - 1;
			} else {
				a = half - 1 - ll - roundf - 1;
				b = half + ll - 1 + ceilf - 1;
			}
		} else {
			a = half - 1 - ll - 1;
			b = half + ll + roundf - 1;
		}
	}
	*j1 = a + 2 > 0 ? a + 2 : 0;
	*j2 = b < n ? b : n;
}

/*
 * Pr(D_n <= d) by Pomeranz's recursion: 2n+1 convolutions of a short row
 * with truncated Poisson weights, then n! (follows SciPy 1.10's
 * _kolmogn_Pomeranz). Used for n <= 140 only.
 */
static double kolmogn_pomeranz(int64_t n, double x)
{
	double t = (double)n * x, f, g, *gpower, *twog, *onem2g, *v0, *v1, ans;
	int64_t ll = (int64_t)floor(t), ceilf, roundf, npwrs, v0s = 0, v1s = 0, j1, j2, expnt = 0;

	f = t - (double)ll;
	g = fmin(f, 1.0 - f);
	ceilf = f > 0 ? 1 : 0;
	roundf = f > 0.5 ? 1 : 0;
	npwrs = 2 * (ll + 1);
	gpower = mlg_xcalloc((size_t)npwrs, sizeof(double));
	twog = mlg_xcalloc((size_t)npwrs, sizeof(double));
	onem2g = mlg_xcalloc((size_t)npwrs, sizeof(double));
	v0 = mlg_xcalloc((size_t)npwrs, sizeof(double));
	v1 = mlg_xcalloc((size_t)npwrs, sizeof(double));
	gpower[0] = twog[0] = onem2g[0] = 1.0;
	for (int64_t m = 1; m < npwrs; m++) {
		gpower[m] = gpower[m - 1] * (g / (double)n) / (double)m;
		twog[m] = twog[m - 1] * (2 * g / (double)n) / (double)m;
		onem2g[m] = onem2g[m - 1] * ((1 - 2 * g) / (double)n) / (double)m;
	}
	v1[0] = 1;
	pomeranz_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
	for (int64_t i = 1; i < 2 * n + 2; i++) {
		int64_t k1 = j1, ln2, t64;
		double *swap = v0, *pw;

		v0 = v1;
		v1 = swap;
		t64 = v0s;
		v0s = v1s;
		v1s = t64;
		memset(v1, 0, (size_t)npwrs * sizeof(*v1));
		pomeranz_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
		pw = (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 ? twog : onem2g);
		ln2 = j2 - k1 + 1;
		if (ln2 > 0) {
			int64_t start = k1 - v0s, lena = ln2, conv_start = j1 - k1, conv_len = j2 - j1 + 1;
			double vmax = 0;

			if (start + lena > npwrs)
				lena = npwrs - start; /* NumPy's slice stops at the end */
			/* entries [conv_start, conv_start + conv_len) of the full convolution */
			for (int64_t c = 0; c < conv_len; c++) {
				int64_t tc = conv_start + c;
				double s = 0;

				for (int64_t q = 0; q < lena; q++)
					if (tc - q >= 0 && tc - q < ln2)
						s += v0[start + q] * pw[tc - q];
				v1[c] = s;
				if (s > vmax)
					vmax = s;
			}
			if (vmax > 0 && vmax < M128) {
				for (int64_t c = 0; c < npwrs; c++)
					v1[c] *= P128;
				expnt -= E128;
			}
			v1s = v0s + j1 - k1;
		}
	}
	ans = v1[n - v1s];
	for (int64_t m = 1; m <= n; m++) {
		if (fabs(ans) > P128) {
			ans *= M128;
			expnt += E128;
		}
		ans *= (double)m;
	}
	if (expnt != 0)
		ans = ldexp(ans, (int)expnt);
	free(gpower);
	free(twog);
	free(onem2g);
	free(v0);
	free(v1);
	return clip01(ans);
}

/*
 * Pr(D_n <= x) by the Pelz-Good expansion of the Li-Chien/Korolyuk
 * series in 1/sqrt(n), the theta sums in Horner form over odd k (follows
 * SciPy 1.10's _kolmogn_PelzGood). Not clipped, as SciPy.
 */
static double kolmogn_pelz_good(int64_t n, double x)
{
	const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	const double sqrt2pi = sqrt(2 * M_PI);
	double z, z2, z3, z4, z6, qlog, q, k1a, k1b, k2a, k2b, k2c, k3a, k3b, k3c, k3d;
	double kk[4] = { 0, 0, 0, 0 }, k2extra = 0, k3extra = 0, sqrt3z;
	int64_t maxk;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	z = sqrt((double)n) * x;
	z2 = pow(z, 2);
	z3 = pow(z, 3);
	z4 = pow(z, 4);
	z6 = pow(z, 6);
	qlog = -pi2 / 8 / z2;
	if (qlog < -708)
		return 0.0;
	q = exp(qlog);
	k1a = -z2;
	k1b = pi2 / 4;
	k2a = 6 * z6 + 2 * z4;
	k2b = (2 * z4 - 5 * z2) * pi2 / 4;
	k2c = pi4 * (1 - 2 * z2) / 16;
	k3d = pi6 * (5 - 30 * z2) / 64;
	k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
	k3b = pi2 * (135 * z4 - 96 * z6) / 4;
	k3a = -30 * z6 - 90 * pow(z, 8);
	maxk = (int64_t)ceil(16 * z / M_PI);
	for (int64_t k = maxk; k > 0; k--) {
		double m = (double)(2 * k - 1), m2 = m * m, m4 = pow(m, 4), m6 = pow(m, 6);
		double qp = pow(q, (double)(8 * k));

		kk[0] = kk[0] * qp + 1.0;
		kk[1] = kk[1] * qp + (k1a + k1b * m2);
		kk[2] = kk[2] * qp + (k2a + k2b * m2 + k2c * m4);
		kk[3] = kk[3] * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
	}
	for (int c = 0; c < 4; c++)
		kk[c] = kk[c] * q * sqrt2pi;
	kk[0] /= z;
	kk[1] /= 6 * z4;
	kk[2] /= 72 * pow(z, 7);
	kk[3] /= 6480 * pow(z, 10);
	/* the sums over all k: K2 gains pi^2 k^2 q^(k^2), K3 (3 pi^2 k^2 z^2 - pi^4 k^4) q^(k^2) */
	q = exp(-pi2 / 2 / z2);
	sqrt3z = sqrt(3.0) * z;
	for (int64_t k = maxk; k > 0; k--) {
		double ks2 = (double)(k * k), kspi = M_PI * (double)k, qp = pow(q, ks2);

		k2extra += ks2 * qp;
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
	}
	kk[2] += k2extra * (pi2 * sqrt2pi / (-36 * z3));
	kk[3] += k3extra * (pi2 * sqrt2pi / (216 * z6));
	kk[1] /= pow((double)n, 0.5);
	kk[2] /= pow((double)n, 1.0);
	kk[3] /= pow((double)n, 1.5);
	return kk[0] + kk[1] + kk[2] + kk[3];
}

/* Simard and L'Ecuyer's choice of method, as SciPy 1.10's _kolmogn, for the SF. */
static double kolmogn_sf(int64_t n, double x)
{
	double t, nxsq, cdf;

	if (x >= 1.0)
		return 0.0;
	if (x <= 0.0)
		return 1.0;
	t = (double)n * x;
	if (t <= 1.0) { /* Ruben-Gambino: 1/2n <= x <= 1/n */
		double prob;

		if (t <= 0.5)
			return 1.0;
		if (n <= 140) {
			prob = 1.0;
			for (int64_t i = 1; i <= n; i++)
				prob *= (double)i * (1.0 / (double)n) * (2 * t - 1);
		} else {
			prob = exp(log_nfactorial_div_n_pow_n((double)n) + (double)n * log(2 * t - 1));
		}
		return clip01(1.0 - prob);
	}
	if (t >= (double)(n - 1)) /* Ruben-Gambino */
		return clip01(2 * pow(1.0 - x, (double)n));
	if (x >= 0.5) /* exactly 2 x Smirnov */
		return clip01(2 * mlg_drift__smirnov(n, x));
	nxsq = t * x;
	if (n <= 140) {
		if (nxsq <= 0.754693)
			return clip01(1.0 - kolmogn_dmtw(n, x));
		if (nxsq <= 4)
			return clip01(1.0 - kolmogn_pomeranz(n, x));
		return clip01(2 * mlg_drift__smirnov(n, x)); /* Miller */
	}
	if (nxsq >= 370.0)
		return 0.0;
	if (nxsq >= 2.2)
		return clip01(2 * mlg_drift__smirnov(n, x));
	if (n <= 100000 && (double)n * pow(x, 1.5) <= 1.4)
		cdf = kolmogn_dmtw(n, x);
	else
		cdf = kolmogn_pelz_good(n, x);
	return clip01(1.0 - cdf);
}

double mlg_drift__kstwo_sf(int64_t n, double x)
{
	if (n < 1 || isnan(x))
		return NAN;
	/* rv_continuous.sf: 1 at or below the support's lower end 0.5/n, 0 from 1 */
	if (x <= 0.5 / (double)n)
		return 1.0;
	if (x >= 1.0)
		return 0.0;
	return kolmogn_sf(n, x);
}
