# Reference values for trialkit.analysis from R's survival and cmprsk packages.
#
# Run by analysis.sh (which installs R from Debian); prints one JSON document on
# stdout, written to tests/analysis/r_reference.json. Each case carries its input
# data, so the tests feed trialkit exactly what R was given.
#
# Numbers are printed with 17 significant digits (round-trip exact for doubles).
# Values that are not finite numbers are strings: "NA" (R's NA, e.g. a median not
# reached), "NaN", "Inf", "-Inf".
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

num <- function(x) {
  one <- function(v) {
    if (is.na(v) && !is.nan(v)) return('"NA"')
    if (is.nan(v)) return('"NaN"')
    if (is.infinite(v)) return(if (v > 0) '"Inf"' else '"-Inf"')
    sprintf("%.17g", v)
  }
  paste0("[", paste(vapply(as.numeric(x), one, ""), collapse = ", "), "]")
}
scalar <- function(x) substring(num(x), 2, nchar(num(x)) - 1)
str <- function(x) paste0('"', x, '"')
obj <- function(...) {
  fields <- list(...)
  paste0("{", paste(paste0(str(names(fields)), ": ", unlist(fields)), collapse = ", "), "}")
}
arr <- function(items) paste0("[\n    ", paste(items, collapse = ",\n    "), "\n  ]")

# -- Kaplan-Meier: survival::survfit, Greenwood variance (the default) -------------------------
km_data <- list(
  ties = list(
    time = c(1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 10, 10),
    status = c(1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0)
  ),
  # S = 0.5 exactly on the flat stretch [3, 6): survfit prints the median (3 + 6) / 2 = 4.5
  half_flat = list(time = c(1, 2, 3, 4, 6, 7), status = c(1, 1, 1, 0, 1, 0)),
  # S = 0.5 exactly from time 1 to the end: print.survfit gives 1, quantile() gives 1.5
  half_to_end = list(time = c(1, 2), status = c(1, 0)),
  # S = 0.5 reached exactly by three tied deaths at 2, flat until 4: median (2 + 4) / 2 = 3
  half_tied = list(time = c(1, 2, 2, 2, 4, 5, 6, 7), status = c(1, 1, 1, 1, 1, 0, 1, 0)),
  all_censored = list(time = c(1, 2, 2, 3, 5), status = c(0, 0, 0, 0, 0)),
  all_events = list(time = c(1, 2, 2, 3), status = c(1, 1, 1, 1)),
  one_event = list(time = c(3), status = c(1)),
  one_censored = list(time = c(3), status = c(0)),
  fractional = list(time = c(0, 0.5, 0.5, 1.25, 2.75, 2.75, 3.1, 4, 4, 4.5),
                    status = c(1, 0, 1, 1, 1, 0, 1, 0, 1, 0))
)
set.seed(20261208)
km_data$random <- list(
  time = round(rexp(60, 0.1), 0),
  status = rbinom(60, 1, 0.7)
)

km_case <- function(name, d, conf.type) {
  fit <- survfit(Surv(d$time, d$status) ~ 1, conf.type = conf.type)
  tab <- summary(fit)$table
  q <- quantile(fit, 0.5)
  obj(
    name = str(name), conf_type = str(conf.type), conf_int = scalar(fit$conf.int),
    input_time = num(d$time), input_status = num(d$status),
    time = num(fit$time), n_risk = num(fit$n.risk), n_event = num(fit$n.event),
    n_censor = num(fit$n.censor), surv = num(fit$surv),
    std_err_log = num(fit$std.err),
    std_err = num(fit$surv * fit$std.err),
    lower = num(fit$lower), upper = num(fit$upper),
    print_median = scalar(tab[["median"]]),
    print_lower = scalar(tab[[paste0(fit$conf.int, "LCL")]]),
    print_upper = scalar(tab[[paste0(fit$conf.int, "UCL")]]),
    quantile_median = scalar(q$quantile), quantile_lower = scalar(q$lower),
    quantile_upper = scalar(q$upper),
    at = num(c(0, 2, 5, 100)),
    n_risk_at = num(summary(fit, times = c(0, 2, 5, 100), extend = TRUE)$n.risk)
  )
}
km <- character(0)
for (name in names(km_data)) {
  for (ct in c("log", "log-log", "plain")) km <- c(km, km_case(name, km_data[[name]], ct))
}

# -- Cumulative incidence: cmprsk::cuminc ------------------------------------------------------
ci_data <- list(
  # ties between causes, and censorings at times of events
  ties = list(
    time = c(1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 5, 6, 6, 7, 8, 8, 9, 10),
    cause = c(1, 2, 0, 1, 2, 2, 1, 2, 0, 0, 1, 1, 0, 2, 1, 0, 1, 2, 0, 1),
    group = c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2)
  ),
  # three causes, three groups
  three = list(
    time = c(2, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 7, 8, 8, 8, 9, 9, 10, 11, 12, 12, 13, 14, 15),
    cause = c(1, 2, 3, 1, 0, 2, 1, 1, 3, 0, 2, 1, 1, 2, 0, 3, 1, 0, 2, 1, 0, 0, 1, 0),
    group = c("a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c",
              "c", "b", "a", "c", "b", "a", "a", "b", "c", "b", "a", "c")
  ),
  # the last subject fails from the cause of interest (the any-event curve reaches 0)
  ends_in_event = list(
    time = c(1, 2, 2, 3, 4, 4, 5), cause = c(1, 2, 1, 0, 2, 1, 1),
    group = c(1, 1, 2, 2, 1, 2, 1)
  ),
  all_censored = list(time = c(1, 2, 3), cause = c(0, 0, 0), group = c(1, 1, 2)),
  # so small that the stratified variance of the scores is indefinite: a negative statistic
  indefinite = list(
    time = c(2.5, 2, 1, 0, 2.5, 2.5, 1.5, 0), cause = c(1, 1, 1, 2, 1, 1, 1, 0),
    group = c(3, 2, 1, 1, 3, 2, 2, 3), strata = c(1, 0, 0, 0, 1, 1, 1, 0)
  )
)
set.seed(15)
n <- 80
ci_data$random <- list(
  time = round(rexp(n, 0.15), 0) + 1,
  cause = sample(0:2, n, replace = TRUE, prob = c(0.3, 0.4, 0.3)),
  group = sample(1:2, n, replace = TRUE),
  strata = sample(1:2, n, replace = TRUE)
)

ci_case <- function(name, d) {
  out <- list()
  causes <- sort(unique(d$cause[d$cause != 0]))
  one <- if (length(causes)) cuminc(d$time, d$cause) else NULL
  curves <- character(0)
  for (k in causes) {
    z <- one[[paste("1", k)]]
    curves <- c(curves, obj(cause = scalar(k), time = num(z$time), est = num(z$est),
                            var = num(z$var)))
  }
  tests <- character(0)
  strata_tests <- character(0)
  if (length(causes) && length(unique(d$group)) > 1) {
    for (rho in c(0, 1, -0.5)) {
      # cuminc stops when the weight (1 - F)^rho is infinite (rho < 0, F = 1): no case then
      g <- tryCatch(cuminc(d$time, d$cause, d$group, rho = rho)$Tests, error = function(e) NULL)
      if (is.null(g)) next
      for (k in causes) {
        kk <- as.character(k)
        tests <- c(tests, obj(cause = scalar(k), rho = scalar(rho), stat = scalar(g[kk, "stat"]),
                              pv = scalar(g[kk, "pv"]), df = scalar(g[kk, "df"])))
      }
    }
    if (!is.null(d$strata)) {
      g <- cuminc(d$time, d$cause, d$group, d$strata)$Tests
      for (k in causes) {
        kk <- as.character(k)
        strata_tests <- c(strata_tests, obj(cause = scalar(k), rho = scalar(0),
                                            stat = scalar(g[kk, "stat"]),
                                            pv = scalar(g[kk, "pv"]), df = scalar(g[kk, "df"])))
      }
    }
  }
  # the Kaplan-Meier of any event, for the sum-to-one check
  fit <- survfit(Surv(d$time, d$cause != 0) ~ 1)
  group_json <- if (is.character(d$group)) paste0("[", paste(str(d$group), collapse = ", "), "]")
                else num(d$group)
  obj(
    name = str(name), input_time = num(d$time), input_cause = num(d$cause),
    input_group = group_json,
    input_strata = if (is.null(d$strata)) "null" else num(d$strata),
    curves = paste0("[", paste(curves, collapse = ", "), "]"),
    tests = paste0("[", paste(tests, collapse = ", "), "]"),
    strata_tests = paste0("[", paste(strata_tests, collapse = ", "), "]"),
    km_time = num(fit$time), km_surv = num(fit$surv)
  )
}
ci <- vapply(names(ci_data), function(name) ci_case(name, ci_data[[name]]), "")

# -- Random batches: many small samples, ties everywhere, curves often exactly at 0.5 ---------
set.seed(7)
km_batch <- character(0)
for (i in 1:40) {
  n <- sample(1:30, 1)
  time <- round(rexp(n, 0.3) * 2) / 2
  status <- rbinom(n, 1, runif(1))
  ct <- c("log", "log-log", "plain")[1 + i %% 3]
  fit <- survfit(Surv(time, status) ~ 1, conf.type = ct)
  tab <- summary(fit)$table
  km_batch <- c(km_batch, obj(
    conf_type = str(ct), input_time = num(time), input_status = num(status),
    surv = num(fit$surv), std_err_log = num(fit$std.err), lower = num(fit$lower),
    upper = num(fit$upper), print_median = scalar(tab[["median"]]),
    print_lower = scalar(tab[["0.95LCL"]]), print_upper = scalar(tab[["0.95UCL"]])
  ))
}
ci_batch <- character(0)
while (length(ci_batch) < 40) {
  n <- sample(4:40, 1)
  time <- round(rexp(n, 0.3))
  cause <- sample(0:2, n, replace = TRUE)
  group <- sample(1:sample(2:3, 1), n, replace = TRUE)
  strata <- sample(1:2, n, replace = TRUE)
  if (length(unique(group)) < 2 || sum(cause == 1) == 0) next
  rho <- sample(c(0, 1, 0.5), 1)
  z <- tryCatch(cuminc(time, cause, group, strata, rho = rho), error = function(e) NULL)
  if (is.null(z)) next
  e <- cuminc(time, cause)[["1 1"]]
  ci_batch <- c(ci_batch, obj(
    rho = scalar(rho), input_time = num(time), input_cause = num(cause),
    input_group = num(group), input_strata = num(strata), time = num(e$time),
    est = num(e$est), var = num(e$var), stat = scalar(z$Tests["1", "stat"]),
    pv = scalar(z$Tests["1", "pv"]), df = scalar(z$Tests["1", "df"])
  ))
}

# -- Fisher's exact test: stats::fisher.test, two-sided ----------------------------------------
tables <- list(
  # seed 002 (Beijing salvage study): PR at 1 week, EBV-HLH 0/5 against other causes 3/4
  seed_002 = matrix(c(0, 3, 5, 1), 2),
  balanced = matrix(c(3, 3, 3, 3), 2),
  lady_tasting_tea = matrix(c(3, 1, 1, 3), 2),
  skewed = matrix(c(10, 2, 3, 15), 2),
  zero_row = matrix(c(0, 0, 4, 6), 2),
  larger = matrix(c(12, 5, 7, 21), 2)
)
fisher <- vapply(names(tables), function(name) {
  m <- tables[[name]]
  p <- fisher.test(m)$p.value
  obj(name = str(name), table = paste0("[", num(m[1, ]), ", ", num(m[2, ]), "]"),
      p_value = scalar(p))
}, "")

# -- Clopper-Pearson: stats::binom.test (its interval is Clopper & Pearson's) -----------------
counts <- list(c(3, 9), c(0, 9), c(9, 9), c(5, 55), c(1, 1), c(17, 40))
binomial <- vapply(counts, function(xn) {
  ci <- binom.test(xn[1], xn[2])$conf.int
  ci90 <- binom.test(xn[1], xn[2], conf.level = 0.9)$conf.int
  obj(x = scalar(xn[1]), n = scalar(xn[2]), lower = scalar(ci[1]), upper = scalar(ci[2]),
      lower_90 = scalar(ci90[1]), upper_90 = scalar(ci90[2]))
}, "")

# -- Summaries: mean, sd, quantile (type 7, R's default), NA removed ---------------------------
samples <- list(
  small = c(1, 2, 3, 4, 10),
  with_missing = c(7.5, NA, 3.25, 11, NA, 0, 2),
  even = c(12, 3, 8, 5, 1, 9),
  one = c(4.2),
  sofa_like = c(11, 9, 14, 6, 8, 8, 12, 15, 3, 10, 7)
)
summaries <- vapply(names(samples), function(name) {
  x <- samples[[name]]
  q <- quantile(x, c(0.25, 0.5, 0.75), na.rm = TRUE, type = 7, names = FALSE)
  obj(name = str(name), values = num(x), n = scalar(sum(!is.na(x))),
      missing = scalar(sum(is.na(x))), mean = scalar(mean(x, na.rm = TRUE)),
      sd = scalar(sd(x, na.rm = TRUE)), q1 = scalar(q[1]), median = scalar(q[2]),
      q3 = scalar(q[3]), min = scalar(min(x, na.rm = TRUE)), max = scalar(max(x, na.rm = TRUE)))
}, "")

cat("{\n")
cat('  "source": "scripts/r_reference/analysis.R (run by scripts/r_reference/analysis.sh)",\n')
cat(sprintf('  "r_version": "%s",\n', R.version.string))
cat(sprintf('  "survival_version": "%s",\n', as.character(packageVersion("survival"))))
cat(sprintf('  "cmprsk_version": "%s",\n', as.character(packageVersion("cmprsk"))))
cat(sprintf('  "platform": "%s",\n', R.version$platform))
cat('  "kaplan_meier": ', arr(km), ",\n", sep = "")
cat('  "cumulative_incidence": ', arr(ci), ",\n", sep = "")
cat('  "kaplan_meier_batch": ', arr(km_batch), ",\n", sep = "")
cat('  "cumulative_incidence_batch": ', arr(ci_batch), ",\n", sep = "")
cat('  "fisher": ', arr(fisher), ",\n", sep = "")
cat('  "binom_test": ', arr(binomial), ",\n", sep = "")
cat('  "summary": ', arr(summaries), "\n", sep = "")
cat("}\n")
