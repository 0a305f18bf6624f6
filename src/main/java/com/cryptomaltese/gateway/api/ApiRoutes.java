package com.cryptomaltese.gateway.api;

import java.util.ArrayList;
import java.util.List;

import com.cryptomaltese.gateway.admin.CleanupRequest;
import com.cryptomaltese.gateway.admin.CleanupResult;
import com.cryptomaltese.gateway.admin.PurgeLogsRequest;
import com.cryptomaltese.gateway.admin.PurgeLogsResult;
import com.cryptomaltese.gateway.admin.SystemStatus;
import com.cryptomaltese.gateway.chat.ChatRequest;
import com.cryptomaltese.gateway.chat.ChatResponse;
import com.cryptomaltese.gateway.metrics.ChatMetrics;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.params.GenerationSettings;
import com.cryptomaltese.gateway.params.ParameterResponses;
import com.cryptomaltese.gateway.security.Caller;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.rest.RestBindingMode;
import org.apache.camel.model.rest.ResponseMessageDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.model.rest.VerbDefinition;
import org.springframework.stereotype.Component;

/**
 * The REST API, {@code /api/v1}: each operation has an id and goes to {@code direct:<id>}, a
 * route that decodes the request, calls the owning bean and writes the JSON reply. Binding is off
 * on purpose: {@link ApiJson} reads bodies strictly and names the field at fault, which Camel's
 * JSON binding cannot. Failures go to the shared handler in {@code routes/errors.yaml}.
 */
@Component
class ApiRoutes extends RouteBuilder {

    static final String ERRORS = "api-errors";
    private static final String JSON = "application/json";
    private static final String MODEL_ID = "modelId";
    private static final String BODILESS_400 = "The model id is malformed, or a body was sent (the operation takes none; {} passes)";
    private static final String CALLER = "${header." + Caller.HEADER + "}";

    private final ApiJson json;

    ApiRoutes(ApiJson json) {
        this.json = json;
    }

    @Override
    public void configure() {
        restConfiguration()
                .component("platform-http")
                .contextPath("/api/v1")
                .bindingMode(RestBindingMode.off)
                // A response that cannot be written back (the client went away) is one log line, not a stack trace.
                .endpointProperty("exceptionHandler", "#responseWriteFailures")
                .apiContextPath("/openapi.json")
                // The document's server URL stays relative (/api/v1), so Swagger UI's "Try it out"
                // calls the host it loaded the document from, behind nginx too: with no X-Forwarded-Host
                // (the key filter hides any a client sends) Camel writes no host (without this option,
                // the bind address 0.0.0.0).
                .useXForwardHeaders(true)
                .apiProperty("api.title", "Maltese AI gateway")
                .apiProperty("api.version", "1")
                .apiProperty("api.description", "Chat with a language model running in-process; manage models, "
                        + "generation parameters, disk and logs. Model ids contain a slash: send them URL-encoded "
                        + "in paths (HuggingFaceTB%2FSmolLM2-135M-Instruct). Keys go in X-API-Key or "
                        + "Authorization: Bearer; admin operations need an admin key.");
        rest().securityDefinitions()
                .apiKey("api_key", "An API key (GATEWAY_API_KEYS) or admin key (GATEWAY_ADMIN_KEYS)")
                .withHeader("X-API-Key").end()
                .bearerToken("bearer", "The same keys, sent as Authorization: Bearer <key>", "API key").end();

        // Camel maps query and form parameters to headers, merged with real ones: a client's
        // "X-Gateway-Caller=…" would be appended to the caller the audit trail records. The caller
        // is taken again from what the key filter put on the request itself.
        interceptFrom("rest*").process(ApiRoutes::callerFromRequest);

        chat();
        openAi();
        models();
        parameters();
        admin();
        users();
        documentResponses();
    }

    /**
     * What the OpenAPI document says of every operation's answers, in one place: its errors
     * ({@link #documentErrors}), and the classes of the bodies in and out, for the schemas' required
     * lists ({@link DocumentSchemas}).
     */
    private void documentResponses() {
        List<Class<?>> responseBodies = new ArrayList<>();
        List<Class<?>> requestBodies = new ArrayList<>();
        for (RestDefinition rest : getRestCollection().getRests()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                if (verb.getResponseMsgs() != null) {
                    documentErrors(verb);
                    verb.getResponseMsgs().forEach(response -> addClass(responseBodies, response.getResponseModel()));
                }
                addClass(responseBodies, verb.getOutType());
                addClass(requestBodies, verb.getType());
            }
        }
        DocumentSchemas.register(ResponseFields.of(responseBodies, requestBodies));
    }

    /**
     * What every operation can answer besides its own statuses: the error shape ({@link ErrorBody})
     * on every 4xx and 5xx, 400 where a model id is in the path (a malformed one), 413 where there
     * is a body (over the size limit), 415 everywhere (a form or multipart request).
     */
    private static void documentErrors(VerbDefinition verb) {
        List<ResponseMessageDefinition> responses = verb.getResponseMsgs();
        boolean modelInPath = verb.getParams() != null && verb.getParams().stream()
                .anyMatch(p -> "model_id".equals(p.getName()) && p.getType() == RestParamType.path);
        if (modelInPath && responses.stream().noneMatch(r -> "400".equals(r.getCode()))) {
            responses.add(response("400", "The model id is malformed (the message says how)", null));
        }
        boolean body = verb.getConsumes() != null || verb.getType() != null;
        if (body && responses.stream().noneMatch(r -> "413".equals(r.getCode()))) {
            responses.add(response("413", "The body is over the size limit (256 KB)", null));
        }
        if (responses.stream().noneMatch(r -> "415".equals(r.getCode()))) {
            responses.add(response("415", "A form or multipart request: the API reads JSON only", null));
        }
        // The OpenAI channel's errors carry OpenAI's error object too (OpenAiChat.error).
        String errorModel = (verb.getId().startsWith("openAi") ? OpenAiViews.OpenAiErrorBody.class : ErrorBody.class).getName();
        for (ResponseMessageDefinition response : responses) {
            if (response.getCode().compareTo("400") >= 0 && response.getResponseModel() == null) {
                response.setResponseModel(errorModel);
            }
        }
    }

    private static void addClass(List<Class<?>> classes, String name) {
        if (name != null) {
            try {
                classes.add(Class.forName(name, false, ApiRoutes.class.getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the REST DSL names a class that does not exist: " + name, e);
            }
        }
    }

    private void users() {
        RestDefinition users = rest("/users").description("What is stored about a user (admin key)");
        admin(userParams(users.get("/{channel}/{user_id}").id("exportUser")
                .description("Everything stored about a user of a channel, as JSON (the right of access)")
                .outType(UserDataOperations.UserExport.class))
                .responseMessage("400", "Invalid channel or user_id"))
                .to("direct:exportUser");
        audited(route("exportUser"))
                .bean("userDataOperations", "export(${header.channel}, ${header.user_id})")
                .to("direct:auditedReply");
        admin(userParams(users.delete("/{channel}/{user_id}").id("eraseUser")
                .description("Erase everything stored about a user of a channel (the right to erasure)")
                .outType(UserDataOperations.UserErased.class))
                .responseMessage("400", "Invalid channel or user_id"))
                .to("direct:eraseUser");
        audited(route("eraseUser"))
                .bean("userDataOperations", "erase(${header.channel}, ${header.user_id})")
                .to("direct:auditedReply");
    }

    private static RestDefinition userParams(RestDefinition op) {
        return op.param().name("channel").type(RestParamType.path).required(true)
                .description("api, telegram, mail, conversation (for conversation_id)").endParam()
                .param().name("user_id").type(RestParamType.path).required(true)
                .description("The user's id in that channel, URL-encoded").endParam();
    }

    private void chat() {
        withJsonBody(user(rest("/chat").description("Chat with the loaded model")
                .post().id("postChat").description("Send a message to the loaded model and get its reply; with "
                        + "\"stream\": true, as text/event-stream while it is generated (see the stream field). "
                        + "Parameters merge as the gateway's defaults <- the model's generation_config.json <- the "
                        + "model's stored parameters <- this request's parameters. eos_token_id and pad_token_id "
                        + "beyond the model's vocabulary are refused (400).")
                .type(ChatRequest.class).outType(ChatResponse.class)
                .responseMessage("400", "Invalid request: the message names the field")
                .responseMessage("409", "model_id names a model that is not loaded")
                .responseMessage("500", "The loaded model cannot answer because of its own files (NaN scores, a "
                        + "prompt token its weights have no row for, a chat template that fails): the message says which")
                .responseMessage("503", "No model is loaded, one is loading (Retry-After), or the model is busy: "
                        + "gateway.chat.max-queued chats are being answered or waiting (Retry-After)")
                .responseMessage("504", "The generation deadline (60 s) passed"))
                .produces(JSON + "," + ApiDocumentFixes.EVENT_STREAM))
                .to("direct:postChat");
        // The REST channel's adapter: JSON in, the shared chat route, JSON out; streamed, the same chat
        // processor with its pieces sent as events (ChatStreams). Admitted or told the model is busy first.
        route("postChat").setProperty(ChatMetrics.CHANNEL, constant(ChatMetrics.API))
                .process(e -> body(e, ownChannel(json.read(bytes(e), ChatRequest.class))))
                .bean("chatAdmission", "enter")
                .choice()
                    .when(e -> e.getMessage().getBody(ChatRequest.class).streamed())
                        .bean("chatStreams", "open")
                    .otherwise()
                        .to("direct:chat")
                        .bean("apiReply", "ok")
                .end();

        rest("/health").description("Liveness")
                .get().id("health").description("Liveness and the loaded model; needs no key").outType(ModelViews.Health.class)
                .responseMessage("503", "The gateway is starting or stopping")
                .to("direct:health");
        route("health").bean("modelOperations", "health").bean("apiReply", "ok");
    }

    /**
     * The OpenAI-compatible channel: OpenAI's clients take {@code <host>/api/v1/openai} as their base URL
     * and an API key as theirs (sent as {@code Authorization: Bearer}).
     */
    private void openAi() {
        RestDefinition openAi = rest("/openai").description("OpenAI-compatible Chat Completions and completions "
                + "(base URL /api/v1/openai)");
        withJsonBody(openAiGeneration(openAi.post("/chat/completions").id("openAiChatCompletions")
                .description("OpenAI's Chat Completions on the loaded model: the caller sends the whole conversation "
                        + "and the gateway keeps none of it. Sampling fields go over the model's stored parameters as "
                        + "a chat's parameters do; with \"stream\": true, chat.completion.chunk events and [DONE]. "
                        + "stop ends the reply before the first of up to 4 strings. n, presence_penalty, frequency_penalty "
                        + "and logprobs pass only with the value that asks for nothing (400 otherwise); top_k and "
                        + "repetition_penalty are accepted as llama.cpp and vLLM do.")
                .type(OpenAiViews.OpenAiRequest.class).outType(OpenAiViews.OpenAiCompletion.class),
                "; a model without a chat template takes one user message only"))
                .to("direct:openAiChatCompletions");
        openAiRoute("openAiChatCompletions", OpenAiViews.OpenAiRequest.class, "complete");

        withJsonBody(openAiGeneration(openAi.post("/completions").id("openAiCompletions")
                .description("OpenAI's (legacy) text completions on the loaded model: the prompt is continued as it is, "
                        + "without a chat template or system prompt (what a base model is made for); its special tokens "
                        + "(a BOS) are added as transformers' text generation adds them. The same sampling fields, stop "
                        + "strings, streaming (text_completion chunks, then [DONE]) and errors as chat/completions; n, "
                        + "best_of, echo, suffix, logprobs and the penalties pass only with the value that asks for nothing.")
                .type(OpenAiViews.OpenAiCompletionRequest.class).outType(OpenAiViews.OpenAiTextCompletion.class), ""))
                .to("direct:openAiCompletions");
        openAiRoute("openAiCompletions", OpenAiViews.OpenAiCompletionRequest.class, "completeText");

        user(openAi.get("/models").id("openAiModels")
                .description("OpenAI's model list: the loaded model, which answers chats, or none")
                .outType(OpenAiViews.OpenAiModelList.class))
                .to("direct:openAiModels");
        route("openAiModels").setProperty(OpenAiChat.CHANNEL, constant(true))
                .bean("openAiChat", "models").bean("apiReply", "ok");
    }

    /** What both OpenAI generation operations answer, and that they stream. */
    private static RestDefinition openAiGeneration(RestDefinition op, String more400) {
        return user(op)
                .responseMessage("400", "Invalid request: the message names the field" + more400)
                .responseMessage("409", "model names a model that is not loaded (x-should-retry: false, as on every "
                        + "error of this operation but 503; errors carry OpenAI's error object beside the gateway's fields)")
                .responseMessage("500", "The loaded model cannot answer because of its own files: the message says which")
                .responseMessage("503", "No model is loaded, one is loading (Retry-After), or the model is busy (Retry-After)")
                .responseMessage("504", "The generation deadline (60 s) passed")
                .produces(JSON + "," + ApiDocumentFixes.EVENT_STREAM);
    }

    /** An OpenAI generation's route: its body read (nulls as absent), admitted like a chat, answered by openAiChat. */
    private void openAiRoute(String operationId, Class<?> body, String method) {
        route(operationId).setProperty(OpenAiChat.CHANNEL, constant(true))
                .setProperty(ChatMetrics.CHANNEL, constant(ChatMetrics.OPENAI))
                .process(e -> body(e, json.readNullAsAbsent(bytes(e), body)))
                .bean("chatAdmission", "enter")
                .bean("openAiChat", method);
    }

    /**
     * A chat over the API cannot be a Telegram or mail user's: their conversations would be in its
     * prompt, and its turns in theirs. Exporting them takes an admin key; naming them must not do less.
     */
    private static ChatRequest ownChannel(ChatRequest request) {
        if (ChatRequest.TELEGRAM.equals(request.channel()) || ChatRequest.MAIL.equals(request.channel())) {
            throw ApiException.badRequest("channel", "must not be " + request.channel() + ": those conversations "
                    + "belong to the gateway's " + request.channel() + " channel");
        }
        return request;
    }

    private void models() {
        RestDefinition models = rest("/models").description("Models on disk and in memory");
        user(models.get().id("listModels").description("The models on disk, with status, format, size and parameters")
                .outType(ModelViews.ModelList.class))
                .to("direct:listModels");
        route("listModels").bean("modelOperations", "list").bean("apiReply", "ok");

        user(modelIdParam(models.post("/{model_id}/load").id("loadModel")
                .description("Load a model into memory; the model in memory before is unloaded first")
                .outType(ModelViews.ModelLoaded.class))
                .responseMessage("400", BODILESS_400)
                .responseMessage("404", "The model is not on disk")
                .responseMessage("409", "Another load or an unload is running, the model is downloading, being deleted or "
                        + "its download failed or was interrupted, or it cannot be loaded: its folder has no usable snapshot "
                        + "(refs/main names one not on disk, it holds no files), no engine runs its folder (no "
                        + "config.json, weights in no known format) or its files are broken (the reason is given)"))
                .to("direct:loadModel");
        withoutBody(withModelId(audited(route("loadModel"))), "load").bean("modelOperations", "load(${exchangeProperty." + MODEL_ID + "})")
                .to("direct:auditedReply");

        user(modelIdParam(models.post("/{model_id}/unload").id("unloadModel").description("Free the model's memory")
                .outType(ModelViews.ModelUnloaded.class))
                .responseMessage("400", BODILESS_400)
                .responseMessage("409", "The model is not loaded"))
                .to("direct:unloadModel");
        withoutBody(withModelId(audited(route("unloadModel"))), "unload").bean("modelOperations", "unload(${exchangeProperty." + MODEL_ID + "})")
                .to("direct:auditedReply");

        withJsonBody(user(models.post("/download").id("downloadModel").description("Download a model from the Hugging Face Hub "
                        + "(HF_ENDPOINT) into the cache layout. Answers 202 at once with status downloading once the file "
                        + "list of the revision (branch, tag, commit; main by default) is read and the disk checked; the files "
                        + "come in the background, at the commit the revision named: poll GET /models/{model_id}. "
                        + "A second request for the same model joins the running download. Partial files are kept: after "
                        + "a dropped connection, a failure or a gateway restart (the model then shows status error, download "
                        + "status interrupted), sending the same request again continues them with Range requests. The "
                        + "request is recorded on disk without the token, which is never stored.")
                .type(ModelViews.DownloadRequest.class)
                .responseMessage(accepted(ModelViews.DownloadStarted.class, "Downloading (or joined the running download)"))
                .responseMessage("400", "Invalid model_name, model_format or revision, or the repository lacks the format "
                        + "(the formats it has are named)")
                .responseMessage("404", "The Hub has no such model or revision")
                .responseMessage("409", "A download of the model at another revision is running")
                .responseMessage("503", "The running download's file list has not come yet, and this request names a "
                        + "format or quantisation: which one it fetches is not known yet (Retry-After); or the gateway "
                        + "is shutting down")
                .responseMessage("502", "The Hub refused access (private or gated: send auth_token or set HF_TOKEN), "
                        + "or kept failing (429, 5xx) after retries")
                .responseMessage("507", "Not enough free disk space: the message gives the numbers")))
                .to("direct:downloadModel");
        route("downloadModel").process(e -> body(e, json.read(bytes(e), ModelViews.DownloadRequest.class)))
                .bean("modelOperations", "download(${body})")
                .bean("apiReply", "ok")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202));

        user(modelIdParam(models.get("/{model_id}").id("getModel")
                .description("One model: on disk (with its download record), being downloaded (bytes done and total, "
                        + "speed, estimated time, the current file), or with a download that failed or a restart interrupted "
                        + "(status error with the reason; both survive restarts), or a folder with no usable snapshot "
                        + "(status error with why)")
                .outType(ModelViews.ModelSummary.class))
                .responseMessage("404", "The model is not on disk and not being downloaded"))
                .to("direct:getModel");
        withModelId(route("getModel")).bean("modelOperations", "get(${exchangeProperty." + MODEL_ID + "})")
                .bean("apiReply", "ok");

        user(modelIdParam(models.delete("/{model_id}").id("deleteModel")
                .description("Cancel a running download, or delete a model that is not loaded from disk (also a failed "
                        + "or interrupted download with its partial files, a folder with no usable snapshot). A load of the "
                        + "model is refused while it is deleted.")
                .outType(ModelViews.ModelDeleted.class))
                .responseMessage("404", "The model is not on disk and not being downloaded")
                .responseMessage("409", "The model is loaded or being loaded: unload it first")
                .responseMessage("503", "The download did not stop within 30 s (its files are being put in place): "
                        + "send the request again (Retry-After)"))
                .to("direct:deleteModel");
        withModelId(audited(route("deleteModel"))).bean("modelOperations", "delete(${exchangeProperty." + MODEL_ID + "})")
                .to("direct:auditedReply");

        from("direct:auditedReply").routeId("auditedReply")
                .bean("auditLog", "succeeded")
                .bean("apiReply", "ok");
    }

    private void parameters() {
        RestDefinition params = rest("/models").description("Models on disk and in memory");
        user(modelIdParam(params.get("/{model_id}/parameters").id("getParameters")
                .description("The model's effective generation parameters: the gateway's defaults <- the model's "
                        + "generation_config.json <- the parameters stored for it; sources says which gave each value")
                .outType(ParameterResponses.ModelParameters.class))
                .responseMessage("404", "The model is not on disk"))
                .to("direct:getParameters");
        knownModel(route("getParameters"))
                .bean("parameterService", "get(${exchangeProperty." + MODEL_ID + "})")
                .bean("apiReply", "ok");

        withJsonBody(user(modelIdParam(params.put("/{model_id}/parameters").id("updateParameters")
                .description("Change some of the model's parameters; fields left out keep their value. "
                        + "max_length counts new tokens (transformers' max_new_tokens).")
                .type(GenerationSettings.class).outType(ParameterResponses.ParametersUpdated.class))
                .responseMessage("400", "Unknown parameter, wrong type or out of range: the message names the field")
                .responseMessage("404", "The model is not on disk")))
                .to("direct:updateParameters");
        knownModel(audited(route("updateParameters")))
                .process(e -> body(e, json.read(bytes(e), GenerationSettings.class)))
                .bean("parameterService", "update(${exchangeProperty." + MODEL_ID + "}, ${body}, " + CALLER + ")")
                .to("direct:auditedReply");

        user(modelIdParam(params.post("/{model_id}/parameters/reset").id("resetParameters")
                .description("Forget the stored parameters: every parameter back to its default (the model's "
                        + "generation_config.json, else the gateway's)")
                .outType(ParameterResponses.ParametersReset.class))
                .responseMessage("400", BODILESS_400)
                .responseMessage("404", "The model is not on disk"))
                .to("direct:resetParameters");
        withoutBody(knownModel(audited(route("resetParameters"))), "reset")
                .bean("parameterService", "reset(${exchangeProperty." + MODEL_ID + "}, " + CALLER + ")")
                .to("direct:auditedReply");

        user(modelIdParam(params.get("/{model_id}/parameters/history").id("getParameterHistory")
                .description("Who changed which parameter when, newest first: the last 500 changes")
                .outType(ParameterResponses.ParameterHistory.class))
                .responseMessage("404", "The model is not on disk"))
                .to("direct:getParameterHistory");
        knownModel(route("getParameterHistory"))
                .bean("parameterService", "history(${exchangeProperty." + MODEL_ID + "})")
                .bean("apiReply", "ok");
    }

    private void admin() {
        RestDefinition admin = rest("/admin").description("Disk, logs and system state (admin key)");
        withJsonBody(admin(admin.post("/cleanup").id("cleanup")
                .description("Delete files inside the data directory; refused (409) while a generation runs unless force")
                .type(CleanupRequest.class).outType(CleanupResult.class)
                .responseMessage("400", "Invalid request: the message names the field")
                .responseMessage("409", "A generation is running and force is not set")))
                .to("direct:cleanup");
        audited(route("cleanup"))
                .process(e -> body(e, json.read(bytes(e), CleanupRequest.class)))
                .bean("cleanupService", "cleanup(${body}, " + CALLER + ")")
                // The audit line says what was cleaned (clean_logs deletes audit archives too), and whether all of it.
                .process(e -> {
                    CleanupResult result = e.getMessage().getBody(CleanupResult.class);
                    e.setProperty(AuditLog.TARGET, String.join(",", result.operationsCompleted()));
                    e.setProperty(AuditLog.OUTCOME, result.status().equals("success") ? "ok" : result.status());
                })
                .to("direct:auditedReply");

        admin(admin.post("/purge-logs").id("purgeLogs")
                .description("Delete rolled log files; an empty body uses the configured defaults. "
                        + "The files being written are never deleted.")
                .type(PurgeLogsRequest.class).outType(PurgeLogsResult.class)
                .param().name("body").type(RestParamType.body).required(false)
                .description("Optional: the defaults apply to what it leaves out").endParam()
                .responseMessage("400", "Invalid request: the message names the field")
                .responseMessage("415", "A body sent as other than application/json"))
                .to("direct:purgeLogs");
        audited(route("purgeLogs"))
                .process(e -> {
                    byte[] body = bytes(e);
                    // The body is optional, so the operation declares no Content-Type; a body that is sent
                    // is JSON (a non-empty form never gets here: RequestBodyFilter refuses it).
                    String type = e.getMessage().getHeader("Content-Type", String.class);
                    if (body.length > 0 && type != null
                            && !RequestBodyFilter.mediaType(type).equals(JSON)) {
                        throw new ApiException(415, "unsupported Content-Type: send application/json",
                                List.of(new FieldProblem("Content-Type", "must be application/json")), null);
                    }
                    body(e, body.length == 0 ? PurgeLogsRequest.DEFAULTS : json.read(body, PurgeLogsRequest.class));
                })
                .bean("logPurger", "purge(${body}, " + CALLER + ")")
                .process(e -> {
                    String status = e.getMessage().getBody(PurgeLogsResult.class).status();
                    e.setProperty(AuditLog.OUTCOME, status.equals("success") ? "ok" : status);
                })
                .to("direct:auditedReply");

        admin(admin.get("/system-status").id("systemStatus")
                .description("Disk, memory, the loaded model and the last cleanup, rated healthy/warning/critical")
                .outType(SystemStatus.class))
                .to("direct:systemStatus");
        route("systemStatus").bean("systemStatusService", "status").bean("apiReply", "ok");

        admin(admin.get("/metrics").id("metrics")
                .description("Prometheus metrics in its text format: replies, prompt and completion tokens and generation "
                        + "time per channel and model, failed chats by status, the loaded model, admitted API chats, the "
                        + "JVM. For a scrape job with this admin key as its bearer token")
                .responseMessage("200", "The metrics (text/plain; version=0.0.4)"))
                .produces("text/plain")
                .to("direct:metrics");
        route("metrics").bean("metricsScrape", "scrape");
    }

    // ---- small DSL helpers: one place for what every operation shares ----

    private RouteDefinition route(String operationId) {
        return from("direct:" + operationId).routeId(operationId).routeConfigurationId(ERRORS);
    }

    /** Reads {@code {model_id}} (URL-encoded org%2Fname) into a validated {@link ModelId}. */
    private static RouteDefinition withModelId(RouteDefinition route) {
        return route.process(e -> {
            ModelId id = ModelId.fromPath(e.getMessage().getHeader("model_id", String.class));
            e.setProperty(MODEL_ID, id);
            if (e.getProperty(AuditLog.TARGET) != null) {
                e.setProperty(AuditLog.TARGET, id.toString());
            }
        });
    }

    private RouteDefinition knownModel(RouteDefinition route) {
        return withModelId(route).bean("modelOperations", "requireKnown(${exchangeProperty." + MODEL_ID + "})");
    }

    /** Refuses a body (other than {@code {}}): the operation takes none ({@link ApiJson#requireNone}). */
    private RouteDefinition withoutBody(RouteDefinition route, String operation) {
        return route.process(e -> json.requireNone(bytes(e), operation));
    }

    /** Marks the route for the audit log; {@link #withModelId} then names the model as the target. */
    private RouteDefinition audited(RouteDefinition route) {
        return route.setProperty(AuditLog.TARGET, constant("-"));
    }

    private static RestDefinition modelIdParam(RestDefinition op) {
        return op.param().name("model_id").type(RestParamType.path).required(true)
                .description("Hub model id, URL-encoded: HuggingFaceTB%2FSmolLM2-135M-Instruct").endParam();
    }

    /** Sets {@link Caller#HEADER} to the fingerprint the key filter found for this request, and nothing else. */
    private static void callerFromRequest(Exchange exchange) {
        Object caller = exchange.getMessage() instanceof PlatformHttpMessage http
                ? http.getRequest().getAttribute(Caller.ATTRIBUTE) : null;
        exchange.getMessage().setHeader(Caller.HEADER, caller instanceof Caller c ? c.fingerprint() : "anonymous");
    }

    /** An operation for API keys (admin keys are accepted too). */
    private static RestDefinition user(RestDefinition op) {
        return op.produces(JSON)
                .security("api_key").security("bearer")
                .responseMessage("401", "Missing or unknown key");
    }

    /**
     * A 202 answer with its body's schema (the operation answers 202 only, so it declares no outType,
     * which would document a 200). By binary name: Camel looks the class up by the name it is given,
     * and a nested class's canonical name is not one it finds.
     */
    private static ResponseMessageDefinition accepted(Class<?> body, String message) {
        return response("202", message, body);
    }

    private static ResponseMessageDefinition response(String code, String message, Class<?> body) {
        ResponseMessageDefinition response = new ResponseMessageDefinition();
        response.setCode(code);
        response.setMessage(message);
        if (body != null) {
            response.setResponseModel(body.getName());
        }
        return response;
    }

    /**
     * An operation whose request body is JSON: other Content-Types answer 415. Only these declare it,
     * so a POST without a body (load, unload, reset: {@code curl -X POST} sends no Content-Type) is accepted.
     */
    private static RestDefinition withJsonBody(RestDefinition op) {
        return op.consumes(JSON).responseMessage("415", "The body is not sent as application/json");
    }

    /** An operation for admin keys only. */
    private static RestDefinition admin(RestDefinition op) {
        return user(op).responseMessage("403", "The key is not an admin key");
    }

    /** The request body; it is a stream, so read it once. */
    private static byte[] bytes(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        return body == null ? new byte[0] : body;
    }

    private static void body(Exchange exchange, Object value) {
        exchange.getMessage().setBody(value);
    }
}
