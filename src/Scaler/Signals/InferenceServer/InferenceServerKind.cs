namespace Scaler.Signals.InferenceServer;

/// <summary>The model server whose metric names and port a query uses.</summary>
internal enum InferenceServerKind
{
    /// <summary>vLLM: <c>vllm:num_requests_waiting</c>, in-flight <c>vllm:num_requests_running</c>, label <c>model_name</c>, port 8000.</summary>
    Vllm,

    /// <summary>Triton: <c>nv_inference_pending_request_count</c> per model (label <c>model</c>), port 8002; no in-flight gauge.</summary>
    Triton,

    /// <summary>Text Generation Inference: <c>tgi_queue_size</c>, in-flight <c>tgi_batch_current_size</c>, port 80 (the image's <c>PORT</c>).</summary>
    Tgi,

    /// <summary>Any server: <see cref="InferenceQueueQuery.MetricName"/> and <see cref="InferenceQueueQuery.MetricsPort"/> are required.</summary>
    Custom,
}
