import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The characters between words, as a PostgreSQL regular expression: white space, ASCII punctuation and symbols,
 * Latin-1's, general punctuation, CJK punctuation and the Devanagari dandas; the same set as SEARCH_SEPARATORS in
 * libs/discovery/search-words.ts (spelled out, not POSIX classes, whose meaning depends on the locale: glibc's
 * [:punct:] holds combining marks, which would split Devanagari words).
 */
const SEPARATORS_SQL =
  '[[:space:]\\u0021-\\u002f\\u003a-\\u0040\\u005b-\\u0060\\u007b-\\u007e\\u00a0-\\u00bf\\u2000-\\u206f\\u3000-\\u303f\\u0964\\u0965]+';

/**
 * Issue 19, discovery: verified reviews and ratings, and search by text, price, rating, opening time and
 * availability, in exactly the order of the distance it reports.
 *
 * - `reviews`: one per booking (unique), with the owner's reply and an admin's hiding (reason kept). The shop keeps
 *   `rating_sum` and `rating_count` of its visible reviews, changed in the transaction of every review change;
 *   `rating_average` is written with them (a check constraint holds it to their rounded mean), never computed by
 *   scanning reviews. New columns are plain ones with constant defaults, so adding them rewrites no table; their
 *   backfills are row updates. The index builds lock shops against writes (not reads) while they run.
 * - What search filters on is kept on the shop row, so that it is checked in the index or on the row the index
 *   scan reads anyway: `search_words` (the words of the shop's name and of all its services' names, lower-cased, as
 *   a tsvector of exact words for prefix matching) and `min_price_paise` (its cheapest service), both kept by
 *   triggers on services and shops. The triggers lock the shop row before they recompute, so two concurrent
 *   service changes of one shop cannot compute from snapshots that miss each other.
 * - One metric: the great-circle distance of PostGIS's `<->` on geography (a sphere of the WGS 84 mean radius). The
 *   radius filter, the order, the cursor and the reported `distanceMeters` all use that one value. `ST_DWithin`
 *   (sphere) only narrows the index scan, with a metre of slack; the exact cut is `<->` <= radius.
 * - `shops_active_search_gist` (location, rating_average, min_price_paise) over active shops, in place of the
 *   location-only index: the nearest-first scan checks a minimum rating and a maximum price inside the index
 *   (btree_gist), so rare matches are found without reading every shop of the radius.
 */
export class Discovery1796700000000 implements MigrationInterface {
  name = 'Discovery1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);

    await q(`
      ALTER TABLE shops
        ADD COLUMN rating_sum integer NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
        ADD COLUMN rating_count integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
        ADD COLUMN rating_average numeric(2, 1),
        ADD COLUMN min_price_paise integer,
        ADD CONSTRAINT shops_rating_average_in_step CHECK (rating_average IS NOT DISTINCT FROM
          CASE WHEN rating_count > 0 THEN round(rating_sum::numeric / rating_count, 1) END),
        ADD COLUMN search_words tsvector NOT NULL DEFAULT ''`);

    await q(`
      CREATE TABLE reviews (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        booking_id    uuid NOT NULL CONSTRAINT reviews_one_per_booking UNIQUE,
        shop_id       uuid NOT NULL REFERENCES shops (id),
        service_id    uuid NOT NULL REFERENCES services (id),
        customer_id   uuid NOT NULL REFERENCES users (id),
        rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment       text CHECK (char_length(comment) <= 2000),
        reply         text CHECK (char_length(reply) <= 2000),
        replied_at    timestamptz,
        hidden        boolean NOT NULL DEFAULT false,
        hidden_reason text,
        hidden_by     uuid REFERENCES users (id),
        hidden_at     timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reviews_hidden_with_reason CHECK (NOT hidden OR hidden_reason IS NOT NULL)
      )`);
    // A shop's visible reviews, newest first (the public list's keyset order).
    await q(
      `CREATE INDEX reviews_shop_visible_idx ON reviews (shop_id, created_at DESC, id DESC) WHERE NOT hidden`,
    );

    // Words as search sees them (libs/discovery/search-words.ts): NFC, lower-cased, split at the same separators.
    await q(`
      CREATE FUNCTION search_words(p_text text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_remove(regexp_split_to_array(lower(normalize(p_text, NFC)), '${SEPARATORS_SQL}'), '')
      $$`);
    // A query's words as a tsquery of word prefixes, all required ('bea' finds 'beard'); null for no words.
    await q(`
      CREATE FUNCTION search_query(p_words text[]) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT string_agg(quote_literal(w) || ':*', ' & ')::tsquery FROM unnest(p_words) AS w
      $$`);
    // Does one service match: every query word begins a word of the shop's name or of the service's name.
    await q(`
      CREATE FUNCTION service_matches(p_shop_name text, p_service_name text, p_query tsquery)
      RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_to_tsvector(search_words(p_shop_name) || search_words(p_service_name)) @@ p_query
      $$`);

    await q(`
      CREATE FUNCTION shop_search_words(p_shop_id uuid, p_shop_name text) RETURNS tsvector
      LANGUAGE sql STABLE AS $$
        SELECT array_to_tsvector(search_words(p_shop_name) || coalesce(
                 (SELECT array_agg(w) FROM services sv, unnest(search_words(sv.name)) AS w
                   WHERE sv.shop_id = p_shop_id), '{}'))
      $$`);
    await q(`
      CREATE FUNCTION shops_search_columns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.search_words := shop_search_words(NEW.id, NEW.name);
        RETURN NEW;
      END
      $$`);
    await q(`
      CREATE TRIGGER shops_search_columns BEFORE INSERT OR UPDATE OF name ON shops
        FOR EACH ROW EXECUTE FUNCTION shops_search_columns()`);
    // Statement-level with transition tables, so a bulk insert of services recomputes each shop once.
    await q(`
      CREATE FUNCTION services_refresh_shops() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        shop_ids uuid[];
      BEGIN
        IF TG_OP = 'DELETE' THEN
          SELECT array_agg(DISTINCT shop_id) INTO shop_ids FROM old_rows;
        ELSE
          SELECT array_agg(DISTINCT shop_id) INTO shop_ids FROM new_rows;
        END IF;
        -- Locked first, in id order; the update below then reads (in its own statement) every committed service.
        PERFORM 1 FROM shops WHERE id = ANY (shop_ids) ORDER BY id FOR NO KEY UPDATE;
        UPDATE shops s
           SET search_words = shop_search_words(s.id, s.name),
               min_price_paise = (SELECT min(sv.price_paise) FROM services sv WHERE sv.shop_id = s.id)
         WHERE s.id = ANY (shop_ids);
        RETURN NULL;
      END
      $$`);
    await q(`
      CREATE TRIGGER services_refresh_shops_insert AFTER INSERT ON services REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION services_refresh_shops()`);
    await q(`
      CREATE TRIGGER services_refresh_shops_update AFTER UPDATE ON services REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION services_refresh_shops()`);
    await q(`
      CREATE TRIGGER services_refresh_shops_delete AFTER DELETE ON services REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION services_refresh_shops()`);
    await q(`
      UPDATE shops s
         SET search_words = shop_search_words(s.id, s.name),
             min_price_paise = (SELECT min(sv.price_paise) FROM services sv WHERE sv.shop_id = s.id)`);

    // Weekly hours as shop-local minutes of the week (Monday 00:00 = 0), so that "open at" is one containment test
    // on the row; a date override (rare) is looked up only for its own date.
    await q(`
      CREATE FUNCTION week_minute(p_weekday integer, p_time text) RETURNS integer
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (p_weekday - 1) * 1440 + split_part(p_time, ':', 1)::int * 60 + split_part(p_time, ':', 2)::int
      $$`);
    await q(`
      CREATE FUNCTION weekly_minutes(p_hours jsonb) RETURNS int4multirange LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(range_agg(int4range(week_minute((i->>'weekday')::int, i->>'opens'),
                                            week_minute((i->>'weekday')::int, i->>'closes'))),
               '{}'::int4multirange)
          FROM jsonb_array_elements(p_hours) AS i
      $$`);
    await q("ALTER TABLE shops ADD COLUMN weekly_minutes int4multirange NOT NULL DEFAULT '{}'");
    await q(`
      CREATE FUNCTION minute_of_week(p_local timestamp) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (extract(isodow FROM p_local)::int - 1) * 1440
               + extract(hour FROM p_local)::int * 60 + extract(minute FROM p_local)::int
      $$`);
    // When a shop may be open, as minutes of the week: its weekly hours and the week minutes of every date override
    // it has (a superset of when it is open in any given week). Indexed, it lets "open at" be an index condition;
    // the exact rule is then checked on the rows found (search_active_shops). Kept by triggers on both tables.
    await q(`
      CREATE FUNCTION shop_open_minutes(p_shop_id uuid, p_hours jsonb) RETURNS int4multirange
      LANGUAGE sql STABLE AS $$
        SELECT weekly_minutes(p_hours) + coalesce(
                 (SELECT range_agg(int4range(week_minute(extract(isodow FROM o.local_date)::int, i->>'opens'),
                                             week_minute(extract(isodow FROM o.local_date)::int, i->>'closes')))
                    FROM shop_date_overrides o, jsonb_array_elements(o.opening_hours) AS i
                   WHERE o.shop_id = p_shop_id), '{}'::int4multirange)
      $$`);
    await q("ALTER TABLE shops ADD COLUMN open_minutes int4multirange NOT NULL DEFAULT '{}'");
    await q(`
      CREATE FUNCTION shops_open_minutes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.weekly_minutes := weekly_minutes(NEW.opening_hours);
        NEW.open_minutes := shop_open_minutes(NEW.id, NEW.opening_hours);
        RETURN NEW;
      END
      $$`);
    await q(`
      CREATE TRIGGER shops_open_minutes BEFORE INSERT OR UPDATE OF opening_hours ON shops
        FOR EACH ROW EXECUTE FUNCTION shops_open_minutes()`);
    await q(`
      CREATE FUNCTION date_overrides_refresh_shop() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        shop uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.shop_id ELSE NEW.shop_id END;
      BEGIN
        -- Locked first; the update then reads (in its own statement) every committed override.
        PERFORM 1 FROM shops WHERE id = shop FOR NO KEY UPDATE;
        UPDATE shops SET open_minutes = shop_open_minutes(id, opening_hours) WHERE id = shop;
        RETURN NULL;
      END
      $$`);
    await q(`
      CREATE TRIGGER date_overrides_refresh_shop AFTER INSERT OR UPDATE OR DELETE ON shop_date_overrides
        FOR EACH ROW EXECUTE FUNCTION date_overrides_refresh_shop()`);
    await q(`
      UPDATE shops SET weekly_minutes = weekly_minutes(opening_hours),
                       open_minutes = shop_open_minutes(id, opening_hours)`);
    // The time zones in use, read by a loose index scan: an instant's minute of the week in each of them.
    await q("CREATE INDEX shops_active_timezone_idx ON shops (timezone) WHERE status = 'active'");
    await q(`
      CREATE FUNCTION open_minutes_at(p_at timestamptz) RETURNS int4multirange LANGUAGE sql STABLE AS $$
        WITH RECURSIVE zone AS (
          (SELECT timezone FROM shops WHERE status = 'active' ORDER BY timezone LIMIT 1)
          UNION ALL
          SELECT (SELECT s.timezone FROM shops s
                   WHERE s.status = 'active' AND s.timezone > zone.timezone ORDER BY s.timezone LIMIT 1)
            FROM zone WHERE zone.timezone IS NOT NULL)
        SELECT coalesce(range_agg(int4range(m, m + 1)), '{}'::int4multirange)
          FROM (SELECT minute_of_week(p_at AT TIME ZONE timezone) AS m FROM zone WHERE timezone IS NOT NULL) AS x
      $$`);

    // It serves the plain nearest-first search as well, in place of the location-only index.
    await q('DROP INDEX shops_active_location_gist');
    await q(`
      CREATE INDEX shops_active_search_gist ON shops
        USING gist (location, rating_average, min_price_paise, open_minutes) WHERE status = 'active'`);
    // Rare words are found through this index instead of the nearest-first scan (see search_active_shops).
    await q("CREATE INDEX shops_active_words_gin ON shops USING gin (search_words) WHERE status = 'active'");
    await q(`
      CREATE TYPE shop_search_row AS (
        id uuid, owner_id uuid, name text, address text, lat float8, lng float8, timezone text,
        opening_hours jsonb, slot_interval_minutes integer, commission_bps integer, status text,
        config_version integer, created_at timestamptz, updated_at timestamptz,
        free_cancellation_hours integer, late_cancellation_fee_bps integer, no_show_fee_bps integer,
        rating_count integer, rating_average numeric, distance float8)`);
    await q(SEARCH_FUNCTION);
    await q(SEARCH_BY_RATING_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP FUNCTION search_active_shops_by_rating(${BY_RATING_ARGUMENT_TYPES})`);
    await q(`DROP FUNCTION search_active_shops(${SEARCH_ARGUMENT_TYPES})`);
    await q('DROP TYPE shop_search_row');
    await q('DROP INDEX shops_active_search_gist');
    await q("CREATE INDEX shops_active_location_gist ON shops USING gist (location) WHERE status = 'active'");
    await q('DROP FUNCTION open_minutes_at(timestamptz)');
    await q('DROP INDEX shops_active_timezone_idx');
    await q('DROP TRIGGER date_overrides_refresh_shop ON shop_date_overrides');
    await q('DROP FUNCTION date_overrides_refresh_shop()');
    await q('DROP TRIGGER shops_open_minutes ON shops');
    await q('DROP FUNCTION shops_open_minutes()');
    await q('ALTER TABLE shops DROP COLUMN open_minutes');
    await q('DROP FUNCTION shop_open_minutes(uuid, jsonb)');
    await q('DROP FUNCTION minute_of_week(timestamp)');
    await q('ALTER TABLE shops DROP COLUMN weekly_minutes');
    await q('DROP FUNCTION weekly_minutes(jsonb)');
    await q('DROP FUNCTION week_minute(integer, text)');
    await q('DROP INDEX shops_active_words_gin');
    await q('DROP TRIGGER services_refresh_shops_insert ON services');
    await q('DROP TRIGGER services_refresh_shops_update ON services');
    await q('DROP TRIGGER services_refresh_shops_delete ON services');
    await q('DROP FUNCTION services_refresh_shops()');
    await q('DROP TRIGGER shops_search_columns ON shops');
    await q('DROP FUNCTION shops_search_columns()');
    await q('DROP FUNCTION shop_search_words(uuid, text)');
    await q('DROP FUNCTION service_matches(text, text, tsquery)');
    await q('DROP FUNCTION search_query(text[])');
    await q('DROP FUNCTION search_words(text)');
    await q('DROP TABLE reviews');
    await q(`
      ALTER TABLE shops DROP COLUMN rating_average, DROP COLUMN rating_sum, DROP COLUMN rating_count,
        DROP COLUMN min_price_paise, DROP COLUMN search_words`);
  }
}

const SEARCH_ARGUMENT_TYPES =
  'float8, float8, float8, text[], integer, numeric, timestamptz, boolean, numeric, float8, float8, uuid, integer, boolean';

const BY_RATING_ARGUMENT_TYPES =
  'float8, float8, float8, text[], integer, numeric, timestamptz, boolean, numeric, float8, uuid, integer';

/**
 * The same search in rating order: highest `rating_average` first (shops without ratings last), then nearest. It
 * reads one rating at a time, from 5.0 down in steps of 0.1 (averages have one decimal), each a nearest-first index
 * scan with the rating as an index condition, until the page is full; after RATING_PROBES values without a full page
 * (sparse ratings, or filters the index cannot check), the rest comes from one read of the radius sorted by rating
 * and distance, so a page never costs forty scans of the radius. The cursor is (rated, rating, distance, id).
 */
/** Rating values read one at a time before the rest is read in one sorted pass (see below). */
const RATING_PROBES = 4;

const SEARCH_BY_RATING_FUNCTION = `
  CREATE FUNCTION search_active_shops_by_rating(
    p_lng float8, p_lat float8, p_radius_m float8,
    p_words text[], p_max_price integer, p_min_rating numeric, p_open_at timestamptz,
    p_after_rated boolean, p_after_rating numeric, p_after_distance float8, p_after_id uuid, p_rows integer)
  RETURNS SETOF shop_search_row
  LANGUAGE plpgsql STABLE
  ROWS 50
  AS $$
  DECLARE
    bucket numeric(2, 1) := 5.0;
    lowest numeric := greatest(coalesce(p_min_rating, 1.0), 1.0);
    remaining integer := p_rows;
    after_distance float8;
    after_id uuid;
    found_rows integer;
    probes integer := 0;
  BEGIN
    IF p_after_id IS NOT NULL THEN
      IF p_after_rated THEN
        bucket := p_after_rating;
      ELSE
        bucket := NULL;
      END IF;
      after_distance := p_after_distance;
      after_id := p_after_id;
    END IF;
    WHILE bucket IS NOT NULL AND bucket >= lowest AND remaining > 0 LOOP
      IF probes = ${RATING_PROBES} THEN
        -- Ratings this sparse (or filters this selective) here: the rest in one sorted read of the radius, every
        -- shop rated at most this bucket (and the unrated, unless a minimum rating is asked), rating then distance.
        RETURN QUERY SELECT * FROM search_active_shops(p_lng, p_lat, p_radius_m, p_words, p_max_price, p_min_rating,
          p_open_at, true, bucket + 0.1, NULL, NULL, NULL, remaining, true);
        RETURN;
      END IF;
      probes := probes + 1;
      RETURN QUERY SELECT * FROM search_active_shops(p_lng, p_lat, p_radius_m, p_words, p_max_price, NULL,
        p_open_at, true, bucket, NULL, after_distance, after_id, remaining);
      GET DIAGNOSTICS found_rows = ROW_COUNT;
      remaining := remaining - found_rows;
      after_distance := NULL;
      after_id := NULL;
      bucket := bucket - 0.1;
    END LOOP;
    IF remaining > 0 AND p_min_rating IS NULL THEN
      RETURN QUERY SELECT * FROM search_active_shops(p_lng, p_lat, p_radius_m, p_words, p_max_price, NULL,
        p_open_at, true, NULL, NULL, after_distance, after_id, remaining);
    END IF;
  END
  $$`;

/**
 * Active shops within a radius, nearest first by `<->`, with every filter given; null arguments filter nothing.
 *
 * - `p_bucketed`: only shops whose `rating_average` is exactly `p_rating` (null: shops without ratings), which is
 *   how a rating-ordered search reads one rating at a time, each nearest first (see search-order.ts).
 * - `p_exact_distance`: only shops at exactly that distance, all of them (no limit): how the caller puts a tie at
 *   the end of a page into id order, as the index orders by distance alone.
 * - `p_after_distance, p_after_id`: the cursor, in (distance, id) order.
 * - `p_below` (with `p_bucketed`): every shop rated below `p_rating` (and the unrated, without `p_min_rating`), in
 *   (rating, distance) order: the rest of a rating-ordered page in one read.
 *
 * The query is assembled from the filters given and planned for their values (dynamic SQL), so each condition
 * that the index can check is an index condition: `rating_average >= x`, `= x` and `min_price_paise <= x` are, on
 * `shops_active_search_gist`; the opening filter is one containment test on the row. The settings are those of
 * the plain search (see the nearby-shops migration): a nearest-first stream, never a bitmap of the radius.
 *
 * Words are found one of two ways. First the nearest `WORDS_SCAN_BUDGET` shops that pass the other conditions are
 * read in order and the words checked on them: common words fill the page there. If they do not (and the radius
 * holds more shops), the words are rare here, and every matching shop of the radius comes from the text index
 * (`shops_active_words_gin`, a bitmap with the radius) and is sorted by distance: few rows either way.
 */
const WORDS_SCAN_BUDGET = 1000; // hairone.words_scan_budget overrides it (the tests set a small one)

const SEARCH_FUNCTION = `
  CREATE FUNCTION search_active_shops(
    p_lng float8, p_lat float8, p_radius_m float8,
    p_words text[], p_max_price integer, p_min_rating numeric, p_open_at timestamptz,
    p_bucketed boolean, p_rating numeric, p_exact_distance float8,
    p_after_distance float8, p_after_id uuid, p_rows integer, p_below boolean DEFAULT false)
  RETURNS SETOF shop_search_row
  LANGUAGE plpgsql STABLE
  ROWS 50
  SET enable_bitmapscan = off
  SET jit = off
  AS $$
  DECLARE
    origin geography := ST_SetSRID(ST_MakePoint(p_lng, p_lat), 4326)::geography;
    query tsquery := search_query(p_words);
    columns text := 's.id, s.owner_id, s.name, s.address, ST_Y(s.location::geometry), ST_X(s.location::geometry),
             s.timezone, s.opening_hours, s.slot_interval_minutes, s.commission_bps, s.status, s.config_version,
             s.created_at, s.updated_at, s.free_cancellation_hours, s.late_cancellation_fee_bps, s.no_show_fee_bps,
             s.rating_count, s.rating_average, s.location <-> $1';
    area text := '
        FROM shops s
       WHERE s.status = ''active''
         AND ST_DWithin(s.location, $1, $2 + 1, false)
         AND s.location <-> $1 <= $2';
    other text := '';
    words text := '';
    ordered text := ' ORDER BY s.location <-> $1';
    nearest shop_search_row[];
    examined integer;
    open_window int4multirange := CASE WHEN p_open_at IS NOT NULL THEN open_minutes_at(p_open_at) END;
    budget integer := coalesce(nullif(current_setting('hairone.words_scan_budget', true), '')::integer,
                               ${WORDS_SCAN_BUDGET});
  BEGIN
    IF query IS NULL AND p_max_price IS NULL AND p_min_rating IS NULL AND p_open_at IS NULL AND NOT p_bucketed
       AND p_exact_distance IS NULL THEN
      -- The plain search, as static SQL: its plan is cached per connection instead of made at every call.
      RETURN QUERY
      SELECT s.id, s.owner_id, s.name, s.address, ST_Y(s.location::geometry), ST_X(s.location::geometry),
             s.timezone, s.opening_hours, s.slot_interval_minutes, s.commission_bps, s.status, s.config_version,
             s.created_at, s.updated_at, s.free_cancellation_hours, s.late_cancellation_fee_bps, s.no_show_fee_bps,
             s.rating_count, s.rating_average, s.location <-> origin
        FROM shops s
       WHERE s.status = 'active'
         AND ST_DWithin(s.location, origin, p_radius_m + 1, false)
         AND s.location <-> origin <= p_radius_m
         AND (p_after_distance IS NULL OR (s.location <-> origin, s.id) > (p_after_distance, p_after_id))
       ORDER BY s.location <-> origin
       LIMIT p_rows;
      RETURN;
    END IF;
    IF p_max_price IS NOT NULL THEN
      other := other || ' AND s.min_price_paise <= $4';
    END IF;
    IF p_min_rating IS NOT NULL THEN
      other := other || ' AND s.rating_average >= $5';
    END IF;
    IF p_bucketed AND p_below THEN
      other := other || CASE WHEN p_min_rating IS NULL THEN ' AND (s.rating_average < $7 OR s.rating_average IS NULL)'
                             ELSE ' AND s.rating_average < $7' END;
      ordered := ' ORDER BY s.rating_average DESC NULLS LAST, s.location <-> $1';
    ELSIF p_bucketed THEN
      other := other || CASE WHEN p_rating IS NULL THEN ' AND s.rating_average IS NULL' ELSE ' AND s.rating_average = $7' END;
    END IF;
    IF p_exact_distance IS NOT NULL THEN
      other := other || ' AND ST_DWithin(s.location, $1, $8 + 1, false) AND s.location <-> $1 = $8';
    END IF;
    IF p_after_distance IS NOT NULL THEN
      other := other || ' AND (s.location <-> $1, s.id) > ($9, $10)';
    END IF;
    IF p_open_at IS NOT NULL THEN
      -- In the index: a minute of the week at which the shop may be open, in one of the zones in use; exact on the row.
      -- Exactly, on the row: the date's override if it has one (boundaries are whole minutes, so the local time
      -- truncated to the minute decides), otherwise the weekly hours.
      other := other || ' AND s.open_minutes && $13 AND coalesce(
          (SELECT EXISTS (SELECT 1 FROM jsonb_array_elements(o.opening_hours) AS i
                           WHERE i->>''opens'' <= to_char($6 AT TIME ZONE s.timezone, ''HH24:MI'')
                             AND to_char($6 AT TIME ZONE s.timezone, ''HH24:MI'') < i->>''closes'')
             FROM shop_date_overrides o
            WHERE o.shop_id = s.id AND o.local_date = ($6 AT TIME ZONE s.timezone)::date),
          s.weekly_minutes @> minute_of_week($6 AT TIME ZONE s.timezone))';
    END IF;
    IF query IS NOT NULL THEN
      words := ' AND s.search_words @@ $3';
    END IF;
    IF query IS NOT NULL OR p_max_price IS NOT NULL THEN
      -- The exact rule: a service that matches (words and price), or, for words alone, the shop's own name.
      words := words || ' AND (EXISTS (SELECT 1 FROM services sv WHERE sv.shop_id = s.id
                                         AND ($3 IS NULL OR service_matches(s.name, sv.name, $3))
                                         AND ($4 IS NULL OR sv.price_paise <= $4))
                               OR ($4 IS NULL AND array_to_tsvector(search_words(s.name)) @@ $3))';
    END IF;

    IF query IS NULL OR p_exact_distance IS NOT NULL OR p_below THEN
      RETURN QUERY EXECUTE 'SELECT ' || columns || area || other || words || ordered
          || CASE WHEN p_exact_distance IS NULL THEN ' LIMIT $11' ELSE '' END
        USING origin, p_radius_m, query, p_max_price, p_min_rating, p_open_at, p_rating, p_exact_distance,
              p_after_distance, p_after_id, p_rows, NULL::integer, open_window;
      RETURN;
    END IF;

    -- The nearest shops (at most the budget) as a stream, the words checked on each as it comes: it stops at the
    -- page's last match, so common words read little more than a page.
    EXECUTE 'SELECT array_agg(m.r ORDER BY m.d)
               FROM (SELECT c.r, c.d
                       FROM (SELECT ROW(' || columns || ')::shop_search_row AS r, s.location <-> $1 AS d,
                                    (true' || words || ') AS matches' || area || other || ordered || ' LIMIT $12) AS c
                      WHERE c.matches ORDER BY c.d LIMIT $11) AS m'
      INTO nearest
      USING origin, p_radius_m, query, p_max_price, p_min_rating, p_open_at, p_rating, p_exact_distance,
            p_after_distance, p_after_id, p_rows, budget, open_window;
    IF coalesce(cardinality(nearest), 0) < p_rows THEN
      -- Short of a page: the budget was read. Was that the whole radius (then this is the answer)?
      EXECUTE 'SELECT count(*)::int FROM (SELECT 1' || area || other || ' LIMIT $12) AS c'
        INTO examined
        USING origin, p_radius_m, query, p_max_price, p_min_rating, p_open_at, p_rating, p_exact_distance,
              p_after_distance, p_after_id, p_rows, budget, open_window;
    END IF;
    IF coalesce(cardinality(nearest), 0) >= p_rows OR examined < budget THEN
      RETURN QUERY SELECT * FROM unnest(nearest);
      RETURN;
    END IF;
    -- Rare words here: every matching shop from the text index (the radius a filter on them), sorted by distance.
    -- The order is written so that no nearest-first scan can serve it (plus zero): the text index drives. Bitmaps
    -- are allowed, index scans too (the services check keeps its index).
    PERFORM set_config('enable_bitmapscan', 'on', true);
    RETURN QUERY EXECUTE 'SELECT ' || columns || '
        FROM shops s
       WHERE s.status = ''active'' AND s.location <-> $1 <= $2' || other || words
      || ' ORDER BY (s.location <-> $1) + 0 LIMIT $11'
      USING origin, p_radius_m, query, p_max_price, p_min_rating, p_open_at, p_rating, p_exact_distance,
            p_after_distance, p_after_id, p_rows, NULL::integer, open_window;
  END
  $$`;
