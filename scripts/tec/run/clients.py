"""One model call through the vendor's SDK, whatever happens, as one `CallResult`.

Claude goes through `anthropic`, Gemini through `google-genai`; both are imported
inside the call, never at import time, so `tec route`, `tec costs` and the hooks do
not pay for them. Failures are classified into a few kinds that escalation and the
ledger understand; error text never contains an API key.

Keys: `ANTHROPIC_API_KEY`; `GEMINI_API_KEY`, else `GOOGLE_API_KEY`. Base URLs (for
proxies and tests): `ANTHROPIC_BASE_URL`, `GOOGLE_GEMINI_BASE_URL`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field

from .. import bundled, config
from ..config import KEY_VARS
from ..errors import ConfigError
from ..vocabulary import TOKEN_KINDS
from .secrets import scrub

# Failure kinds. Escalation moves up a tier on the ones listed in execution.escalate_on.
PROVIDERS = ("anthropic", "google")  # the vendors with a client here
KINDS = ("quota", "server", "overloaded", "timeout", "connection", "blocked", "empty", "malformed", "auth",
         "bad_request", "unsupported")
_BLOCKED_FINISH = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}


@dataclass
class CallResult:
    """What one API call produced. `tokens` uses the registry's kinds; `kind` is None on success."""

    model_id: str
    provider: str
    text: str | None = None
    data: dict | None = None  # structured output, when a schema was asked for
    tokens: dict = field(default_factory=lambda: dict.fromkeys(TOKEN_KINDS, 0))
    latency_ms: float = 0.0
    kind: str | None = None
    error: str | None = None
    status: int | None = None
    finish: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind is None

    @property
    def billable(self) -> bool:
        return any(self.tokens.values())

    def fail(self, kind: str, message: str, status: int | None = None) -> CallResult:
        self.kind = kind
        self.error = scrub(message)
        self.status = status
        return self


def provider_of(model_id: str, reg) -> str:
    from ..prices import guess_provider

    entry = reg.rates(model_id)
    return entry["provider"] if entry is not None and entry.get("provider") else guess_provider(model_id)


def api_key(provider: str) -> str:
    """The key for a provider from the environment, or a ConfigError naming the variable."""
    name = config.api_key_var(provider)
    if name is None:
        names = KEY_VARS[provider]
        raise ConfigError(f"{' or '.join(names)} is not set", f"export {names[0]}=... to call {provider} models")
    return os.environ[name].strip()


def call(model_id: str, prompt: str, *, reg, system: str | None = None, max_tokens: int = 1024,
         schema: dict | None = None, thinking_off: bool = True) -> CallResult:
    """Send one prompt; never raises for API or network failures (see `CallResult.kind`).

    `schema` asks for JSON matching a JSON Schema (a forced tool on Claude, a
    response schema on Gemini) and fills `data`. A missing key raises ConfigError.
    """
    provider = provider_of(model_id, reg)
    if provider not in PROVIDERS:
        return CallResult(model_id, provider).fail("unsupported", f"no client for model {model_id!r}")
    key = api_key(provider)
    conf = config.settings("execution")
    try:
        if provider == "anthropic":
            result = _call_anthropic(model_id, prompt, key, conf, system, max_tokens, schema)
        else:
            result = _call_gemini(model_id, prompt, key, conf, system, max_tokens, schema, thinking_off)
    except ImportError as exc:
        installer = os.path.join(bundled.PLUGIN_ROOT, "scripts", "install.py")
        raise ConfigError(f"cannot load the {provider} SDK on {sys.executable}: {exc}",
                          f"run `python3 {installer} --sdk-only` once: it sets up an interpreter with the SDKs "
                          "that model commands then use") from None
    return result


# --------------------------------------------------------------------------- anthropic


def _call_anthropic(model_id, prompt, key, conf, system, max_tokens, schema) -> CallResult:
    import anthropic

    result = CallResult(model_id, "anthropic")
    client = anthropic.Anthropic(api_key=key, base_url=os.environ.get("ANTHROPIC_BASE_URL") or None,
                                 max_retries=int(conf["retries"]), timeout=float(conf["timeout_s"]))
    kwargs = {"model": model_id, "max_tokens": max_tokens, "messages": [{"role": "user", "content": prompt}]}
    if system:
        kwargs["system"] = system
    if schema is not None:
        kwargs["tools"] = [{"name": "answer", "description": "Record the answer.", "input_schema": schema}]
        kwargs["tool_choice"] = {"type": "tool", "name": "answer"}
    with _timed(result):
        try:
            with client:
                message = client.messages.create(**kwargs)
        except anthropic.APIStatusError as exc:
            return result.fail(*_anthropic_status(exc))
        except anthropic.APITimeoutError:
            return result.fail("timeout", f"no answer from Claude within {conf['timeout_s']} s")
        except anthropic.APIConnectionError as exc:
            return result.fail("connection", f"cannot reach the Claude API: {_cause(exc)}")
        except anthropic.APIResponseValidationError as exc:
            return result.fail("malformed", f"the Claude API answered with an unexpected body: {exc}")
        except ValueError as exc:  # a body that is not JSON
            return result.fail("malformed", f"the Claude API answered with a body that is not JSON: {exc}")
    usage = getattr(message, "usage", None)
    if usage is None:  # a 200 whose body is not a message (the SDK hands it over as is)
        return result.fail("malformed", "the Claude API answered 200 without a message")
    split = getattr(usage, "cache_creation", None)
    w1 = (getattr(split, "ephemeral_1h_input_tokens", 0) or 0) if split is not None else 0
    result.tokens.update(input=usage.input_tokens or 0, output=usage.output_tokens or 0,
                         cache_read=usage.cache_read_input_tokens or 0,
                         cache_write_5m=max((usage.cache_creation_input_tokens or 0) - w1, 0), cache_write_1h=w1)
    result.finish = message.stop_reason
    if message.stop_reason == "refusal":
        return result.fail("blocked", "Claude declined to answer (stop_reason: refusal)")
    blocks = message.content or []
    if schema is not None:
        tool = next((b for b in blocks if getattr(b, "type", None) == "tool_use"), None)
        if tool is None or not isinstance(tool.input, dict):
            return result.fail("empty", "Claude did not return the structured answer")
        result.data = tool.input
        return result
    text = "".join(getattr(b, "text", "") for b in blocks if getattr(b, "type", None) == "text")
    if not text.strip():
        return result.fail("empty", "Claude returned an empty answer")
    result.text = text
    return result


def _anthropic_status(exc) -> tuple[str, str, int]:
    status = exc.status_code
    detail = getattr(exc, "message", "") or str(exc)
    return status_kind(status, overloaded=529), f"Claude API error {status}: {detail}", status


def status_kind(status: int | None, *, overloaded: int) -> str:
    """An HTTP error status → a failure kind; `overloaded` is the vendor's "busy" status."""
    if status == 429:
        return "quota"
    if status == overloaded:
        return "overloaded"
    if status is not None and status >= 500:
        return "server"
    if status in (401, 403):
        return "auth"
    return "bad_request"


@contextlib.contextmanager
def _timed(result: CallResult):
    """Sets `result.latency_ms` to the request's own time: the SDK's import and set-up are not in it."""
    started = time.perf_counter()
    try:
        yield
    finally:
        result.latency_ms = round((time.perf_counter() - started) * 1000, 1)


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{type(cause).__name__}: {cause}" if cause else str(exc)


# --------------------------------------------------------------------------- gemini


def _call_gemini(model_id, prompt, key, conf, system, max_tokens, schema, thinking_off) -> CallResult:
    import httpx2
    from google import genai
    from google.genai import errors, types

    result = CallResult(model_id, "google")
    retries = int(conf["retries"])
    options = types.HttpOptions(
        base_url=os.environ.get("GOOGLE_GEMINI_BASE_URL") or None, api_version="v1beta",
        timeout=int(float(conf["timeout_s"]) * 1000),
        retry_options=types.HttpRetryOptions(attempts=retries + 1, initial_delay=float(conf["retry_initial_delay_s"]),
                                             max_delay=float(conf["retry_max_delay_s"])) if retries else None)
    config = {"max_output_tokens": max_tokens, "temperature": 0}
    if system:
        config["system_instruction"] = system
    if thinking_off:
        config["thinking_config"] = _thinking_off(model_id)
    if schema is not None:
        config["response_mime_type"] = "application/json"
        config["response_json_schema"] = schema
    request = types.GenerateContentConfig(**config)
    with genai.Client(api_key=key, http_options=options) as client, _timed(result):
        try:
            response = client.models.generate_content(model=model_id, contents=prompt, config=request)
        except errors.APIError as exc:
            return result.fail(*_gemini_status(exc))
        except httpx2.TimeoutException:
            return result.fail("timeout", f"no answer from Gemini within {conf['timeout_s']} s")
        except httpx2.HTTPError as exc:
            return result.fail("connection", f"cannot reach the Gemini API: {type(exc).__name__}: {exc}")
        except ValueError as exc:  # a body that is not JSON, or one the SDK cannot read
            return result.fail("malformed", f"the Gemini API answered with a body that cannot be read: {exc}")
    usage = response.usage_metadata
    if usage is not None:
        cached = usage.cached_content_token_count or 0
        result.tokens.update(input=max((usage.prompt_token_count or 0) - cached, 0), cache_read=cached,
                             output=usage.candidates_token_count or 0, thinking=usage.thoughts_token_count or 0)
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason:
        return result.fail("blocked", f"Gemini blocked the prompt ({_enum_name(feedback.block_reason)})")
    if not response.candidates:
        return result.fail("empty", "Gemini returned no candidate")
    finish = _enum_name(response.candidates[0].finish_reason)
    result.finish = finish
    if finish in _BLOCKED_FINISH:
        return result.fail("blocked", f"Gemini stopped the answer ({finish})")
    text = response.text
    if not text or not text.strip():
        return result.fail("empty", "Gemini returned an empty answer")
    if schema is not None:
        import json

        try:
            data = json.loads(text)
        except ValueError:
            return result.fail("malformed", "Gemini's structured answer is not JSON")
        if not isinstance(data, dict):
            return result.fail("malformed", "Gemini's structured answer is not a JSON object")
        result.data = data
        return result
    result.text = text
    return result


def _thinking_off(model_id: str) -> dict:
    """The cheapest thinking setting the model accepts (thinking bills as output)."""
    for rule in gemini_data()["thinking_off"]:
        if model_id.startswith(rule["prefix"]):
            return dict(rule["config"])
    return {}


def gemini_data() -> dict:
    """`data/gemini.json`: the per-model setting that turns thinking off."""
    return bundled.load("gemini.json")


def _gemini_status(exc) -> tuple[str, str, int | None]:
    status = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    return status_kind(status, overloaded=503), f"Gemini API error {status}: {message}", status


def _enum_name(value: object) -> str:
    return getattr(value, "name", None) or str(value)
