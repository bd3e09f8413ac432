-- The schema of a store made by screener before issue 9 (no identity row, no schema
-- version, meta and watchlist tables made lazily), as sqlite_master held it.
CREATE TABLE "companies" (
   "ticker" TEXT PRIMARY KEY,
   "name_en" TEXT,
   "name_zh" TEXT,
   "exchange" TEXT,
   "market" TEXT,
   "currency" TEXT,
   "financial_currency" TEXT,
   "sector" TEXT,
   "sub_segment" TEXT,
   "profile" TEXT,
   "profile_as_of" TEXT,
   "updated_at" TEXT
);
CREATE TABLE "snapshots" (
   "ticker" TEXT,
   "source" TEXT,
   "as_of" TEXT,
   "fetched_at" TEXT,
   "currency" TEXT,
   "financial_currency" TEXT,
   "source_url" TEXT,
   "notes" TEXT,
   "extra" TEXT,
   "beta" REAL,
   "data_age_days" REAL,
   "debt_to_equity" REAL,
   "dividend_yield" REAL,
   "earnings_growth" REAL,
   "enterprise_value" REAL,
   "eps_revision_30d" REAL,
   "ev_ebitda" REAL,
   "ev_revenue" REAL,
   "gross_margin" REAL,
   "implied_eps_growth" REAL,
   "market_cap" REAL,
   "market_cap_usd" REAL,
   "net_margin" REAL,
   "off_52w_high" REAL,
   "operating_margin" REAL,
   "pb" REAL,
   "pe_fwd" REAL,
   "pe_hist_pct" REAL,
   "pe_ttm" REAL,
   "peg" REAL,
   "price" REAL,
   "price_vs_ma200" REAL,
   "ps_ttm" REAL,
   "ret_12m" REAL,
   "ret_1m" REAL,
   "ret_3m" REAL,
   "ret_6m" REAL,
   "revenue_growth" REAL,
   "revenue_ttm" REAL,
   "roe" REAL,
   "target_upside" REAL,
   PRIMARY KEY ("ticker", "source", "as_of")
);
CREATE TABLE "prices" (
   "ticker" TEXT,
   "date" TEXT,
   "open" REAL,
   "high" REAL,
   "low" REAL,
   "close" REAL,
   "volume" REAL,
   "source" TEXT,
   PRIMARY KEY ("ticker", "date")
);
CREATE TABLE "valuation_history" (
   "ticker" TEXT,
   "source" TEXT,
   "metric" TEXT,
   "date" TEXT,
   "value" REAL,
   PRIMARY KEY ("ticker", "source", "metric", "date")
);
CREATE TABLE "fx_rates" (
   "currency" TEXT,
   "date" TEXT,
   "units_per_usd" REAL,
   "source" TEXT,
   "note" TEXT,
   PRIMARY KEY ("currency", "date")
);
CREATE TABLE "fetch_log" (
   "id" INTEGER PRIMARY KEY,
   "ticker" TEXT,
   "kind" TEXT,
   "at" TEXT,
   "outcome" TEXT,
   "detail" TEXT,
   "requests" INTEGER
);
CREATE INDEX "idx_fetch_log_ticker_kind_at"
    ON "fetch_log" ("ticker", "kind", "at");
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE TABLE "watchlist_runs" (
   "id" INTEGER PRIMARY KEY,
   "name" TEXT,
   "saved_at" TEXT,
   "source" TEXT,
   "as_of_min" TEXT,
   "as_of_max" TEXT,
   "rules_hash" TEXT,
   "rules" TEXT,
   "row_count" INTEGER
, "filters" TEXT);
CREATE INDEX "idx_watchlist_runs_name_id"
    ON "watchlist_runs" ("name", "id");
CREATE TABLE "watchlist_rows" (
   "run_id" INTEGER,
   "ticker" TEXT,
   "score" REAL,
   "flags" TEXT,
   "data" TEXT,
   PRIMARY KEY ("run_id", "ticker")
);
