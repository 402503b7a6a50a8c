import { type Customer360, type EventEnvelope, IDENTITY_TYPES } from "@proxima/shared";
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, api, qs } from "../session/api.js";
import { navigate } from "../session/route.js";
import { formatDateTime } from "../ui/format.js";
import { ErrorBox, Loading } from "../ui/states.js";
import { useApi } from "../ui/useApi.js";
import { CHANNEL_LABELS, describeEvent } from "./describe.js";

/** Find a customer by any identity and open their 360 view (profile, consent, traits, timeline). */
export function LookupView({ params, timeZone }: { params: URLSearchParams; timeZone: string }) {
  const [type, setType] = useState(params.get("identityType") ?? "loyalty");
  const [value, setValue] = useState(params.get("value") ?? "");
  const current = params.get("value")
    ? { identityType: params.get("identityType") ?? "loyalty", value: params.get("value")! }
    : null;
  const found = useApi<Customer360>(current ? `/v1/customers${qs(current)}` : null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) navigate("lookup", null, { identityType: type, value: value.trim() });
  };

  return (
    <section aria-label="Customer lookup">
      <search>
        <form className="range-bar" onSubmit={submit}>
          <label>
            Identity
            <select value={type} onChange={(e) => setType(e.target.value)}>
              {IDENTITY_TYPES.filter((t) => t !== "anonymous").map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <label className="grow">
            Value
            <input
              value={value}
              onChange={(e) => setValue(e.target.value)}
              placeholder="loyalty number, email, phone, tag…"
            />
          </label>
          <button type="submit">Find customer</button>
        </form>
      </search>
      {current === null && (
        <div className="state empty">Look a customer up by loyalty number, email, phone, app id or tag.</div>
      )}
      {current && found.state === "loading" && <Loading what="the customer" />}
      {current &&
        found.state === "error" &&
        (found.error.code === "not_found" ? (
          <div className="state empty">
            No customer with {current.identityType} “{current.value}”.
          </div>
        ) : (
          <ErrorBox error={found.error} retry={found.retry} />
        ))}
      {current && found.state === "ready" && <Customer customer={found.data} timeZone={timeZone} />}
    </section>
  );
}

/** Epoch-ms traits (firstSeen, lastVisit, …) as dates; objects as compact JSON. */
function formatTrait(key: string, value: unknown, timeZone: string): string {
  if (typeof value === "number" && value > 1e12 && /(Seen|Visit|At|Time)$/.test(key))
    return formatDateTime(value, timeZone);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

function Customer({ customer, timeZone }: { customer: Customer360; timeZone: string }) {
  const [items, setItems] = useState<EventEnvelope[]>(customer.timeline.items);
  const [cursor, setCursor] = useState(customer.timeline.nextCursor);
  const [more, setMore] = useState<"idle" | "loading" | ApiError>("idle");
  useEffect(() => {
    setItems(customer.timeline.items);
    setCursor(customer.timeline.nextCursor);
  }, [customer]);

  const loadMore = async () => {
    if (!cursor) return;
    setMore("loading");
    try {
      // GET /v1/customers/{id}?cursor= pages the timeline (newest first)
      const page = (
        await api<Customer360>(`/v1/customers/${encodeURIComponent(customer.id)}${qs({ cursor })}`)
      ).timeline;
      setItems((old) => [...old, ...page.items]);
      setCursor(page.nextCursor);
      setMore("idle");
    } catch (error) {
      setMore(error instanceof ApiError ? error : new ApiError(0, "internal", String(error)));
    }
  };

  const name =
    [customer.profile.firstName, customer.profile.lastName].filter(Boolean).join(" ") ||
    String(customer.profile.name ?? "");
  return (
    <article className="customer" aria-label="Customer 360">
      <header>
        <h2 data-testid="customer-name">{name || `Customer ${customer.id.slice(0, 8)}`}</h2>
        <p className="muted">
          Customer since {formatDateTime(customer.createdAt, timeZone)} · id {customer.id}
        </p>
      </header>
      <div className="customer-grid">
        <div>
          <h3>Identities</h3>
          <ul className="plain">
            {customer.identities.map((i) => (
              <li key={`${i.type}:${i.value}`}>
                <strong>{i.type}</strong> {i.value}{" "}
                <span className="muted">last seen {formatDateTime(i.lastSeen, timeZone)}</span>
              </li>
            ))}
          </ul>
          <h3>Consent</h3>
          <ul className="plain">
            {Object.entries(customer.consent).map(([purpose, granted]) => (
              <li key={purpose}>
                {purpose}: <strong>{granted ? "yes" : "no"}</strong>
              </li>
            ))}
          </ul>
          <h3>Segments</h3>
          <p>
            {customer.segments.length ? customer.segments.join(", ") : <span className="muted">none</span>}
          </p>
          <h3>Traits</h3>
          <dl className="traits">
            {Object.entries({ ...customer.profile, ...customer.traits }).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{formatTrait(k, v, timeZone)}</dd>
              </div>
            ))}
          </dl>
        </div>
        <div>
          <h3>Timeline, every channel (newest first)</h3>
          {items.length === 0 ? (
            <p className="state empty">Nothing yet.</p>
          ) : (
            <ol className="timeline" data-testid="timeline">
              {items.map((e) => (
                <li key={e.id} className={`channel-${e.source.kind}`}>
                  <time dateTime={new Date(e.ts).toISOString()}>{formatDateTime(e.ts, timeZone)}</time>
                  <span className="channel">{CHANNEL_LABELS[e.source.kind]}</span>
                  <span className="what">{describeEvent(e)}</span>
                </li>
              ))}
            </ol>
          )}
          {cursor && (
            <button type="button" className="secondary" onClick={loadMore} disabled={more === "loading"}>
              {more === "loading" ? "Loading…" : "Older events"}
            </button>
          )}
          {more instanceof ApiError && <ErrorBox error={more} />}
        </div>
      </div>
    </article>
  );
}
