#!/usr/bin/env python3
"""Talks to a running gateway with OpenAI's own Python client, as users' programs do, and checks what
the client makes of each answer: a whole chat completion, a stream with usage, a text completion, the
model list, stop strings, and errors
raised as the client's exception types. Not a test (CI has no Python); a compatibility check against
the reference client, run by hand:

    /tmp/ref/bin/pip install --no-index --find-links /opt/wheels --find-links /opt/pypi/files openai
    /tmp/ref/bin/python tools/openai/client_check.py http://localhost:8080/api/v1/openai API_KEY [EXPECTED_TEXT]

The gateway must have a model loaded. EXPECTED_TEXT, if given, is the greedy reply to the
conversation below (for the fixture llama model: conversation_golden.json's text_skip_special).
"""

import sys

import openai

MESSAGES = [
    {"role": "system", "content": "You are a kind farmer."},
    {"role": "user", "content": "What is your name?"},
    {"role": "assistant", "content": "The farmer by the river."},
    {"role": "user", "content": "Please tell me a short story about the sea.\nThank you!"},
]
GREEDY = {"temperature": 0, "max_tokens": 12, "extra_body": {"repetition_penalty": 1.0}}


def main(base_url, key, expected=None):
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    models = client.models.list()
    model = models.data[0].id
    print(f"models: {[m.id for m in models.data]}")

    whole = client.chat.completions.create(model=model, messages=MESSAGES, **GREEDY)
    text = whole.choices[0].message.content
    print(f"whole: {whole.object} {whole.id} finish={whole.choices[0].finish_reason} usage={whole.usage} {text!r}")
    assert whole.object == "chat.completion" and whole.choices[0].message.role == "assistant"
    assert whole.usage.total_tokens == whole.usage.prompt_tokens + whole.usage.completion_tokens
    if expected is not None:
        assert text == expected, (text, expected)

    pieces, usage, finish = [], None, None
    for chunk in client.chat.completions.create(model=model, messages=MESSAGES, stream=True,
                                                stream_options={"include_usage": True}, **GREEDY):
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    print(f"stream: {len(pieces)} chunks finish={finish} usage={usage} {''.join(pieces)!r}")
    assert "".join(pieces) == text and usage == whole.usage and finish == whole.choices[0].finish_reason

    stop = text[len(text) // 2:][:2] or "x"
    cut = client.chat.completions.create(model=model, messages=MESSAGES, stop=[stop], **GREEDY)
    print(f"stop {stop!r}: finish={cut.choices[0].finish_reason} {cut.choices[0].message.content!r}")
    assert cut.choices[0].message.content == text[:text.find(stop)] and cut.choices[0].finish_reason == "stop"

    # A text completion: the same model continuing a prompt without a chat template, whole and streamed.
    plain = client.completions.create(model=model, prompt="The little dog", **GREEDY)
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model=model, prompt="The little dog", stream=True, **GREEDY) if c.choices)
    print(f"completion: {plain.object} finish={plain.choices[0].finish_reason} usage={plain.usage} "
          f"{plain.choices[0].text!r}")
    assert plain.object == "text_completion" and streamed == plain.choices[0].text

    # The reply's message sent back as the SDK dumps it, nulls and all.
    short = dict(GREEDY, max_tokens=4)
    hello = [{"role": "user", "content": "Hi"}]
    first = client.chat.completions.create(model=model, messages=hello, **short)
    echoed = hello + [first.choices[0].message.model_dump(), {"role": "user", "content": "And then?"}]
    again = client.chat.completions.create(model=model, messages=echoed, **short)
    print(f"echoed reply accepted: {again.usage.prompt_tokens} prompt tokens")

    # With the client's default retries: a 409 must not be retried (x-should-retry: false).
    retrying = openai.OpenAI(base_url=base_url, api_key=key)
    for wrong, error, client_used in [({"model": "other/model"}, openai.ConflictError, retrying),
                                      ({"model": model, "n": 2}, openai.BadRequestError, client)]:
        try:
            client_used.chat.completions.create(messages=MESSAGES, **dict(GREEDY, **wrong))
            raise AssertionError(f"{wrong} was answered")
        except error as e:
            print(f"refused {wrong}: {e.status_code} code={e.code} param={e.param} message={e.message!r} "
                  f"retried={e.response.headers.get('x-should-retry')}")
    try:
        openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).models.list()
        raise AssertionError("a wrong key was accepted")
    except openai.AuthenticationError as e:
        print(f"wrong key: {e.status_code}")
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
