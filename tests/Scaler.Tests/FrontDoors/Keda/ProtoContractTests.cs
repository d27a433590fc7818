using Google.Protobuf.Reflection;
using Grpc.Core;
using Scaler.FrontDoors.Keda.Protocol;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// The wire contract of protos/externalscaler.proto against KEDA's, written from shared/reference/keda.md 1.1-1.3:
/// package, service, methods with their types and streaming, and every message's field names, numbers and
/// types, read from the descriptor the generated code carries. The Node client (node-client/keda-poll.mjs)
/// loads the same proto file, so it agrees with any drift; this is the test that pins it to KEDA.
/// </summary>
public sealed class ProtoContractTests
{
    private static readonly FileDescriptor File = ExternalscalerReflection.Descriptor;

    [Fact]
    public void Descriptor_PackageAndService_KedasNamesWithoutTheCSharpNamespace()
    {
        var service = Assert.Single(File.Services);

        Assert.Equal("externalscaler", File.Package);
        Assert.Equal("externalscaler.ExternalScaler", service.FullName);
        // csharp_namespace renames the generated C# types only; nothing on the wire may carry it.
        Assert.All(File.MessageTypes.Select(m => m.FullName).Append(service.FullName), name =>
        {
            Assert.StartsWith("externalscaler.", name, StringComparison.Ordinal);
            Assert.DoesNotContain("Scaler.FrontDoors", name, StringComparison.Ordinal);
        });
    }

    [Theory]
    // Polled by the operator after GetMetrics, and on the HPA path.
    [InlineData("IsActive", "ScaledObjectRef", "IsActiveResponse", false)]
    // external-push triggers: one long-lived server stream per ScaledObject.
    [InlineData("StreamIsActive", "ScaledObjectRef", "IsActiveResponse", true)]
    // Answered from the metadata alone, on every reconcile and poll.
    [InlineData("GetMetricSpec", "ScaledObjectRef", "GetMetricSpecResponse", false)]
    // The value the HPA follows.
    [InlineData("GetMetrics", "GetMetricsRequest", "GetMetricsResponse", false)]
    public void Service_Method_KedasRequestResponseAndStreaming(string name, string request, string response, bool serverStreaming)
    {
        var method = File.Services[0].FindMethodByName(name);

        Assert.NotNull(method);
        Assert.Equal("externalscaler." + request, method.InputType.FullName);
        Assert.Equal("externalscaler." + response, method.OutputType.FullName);
        Assert.False(method.IsClientStreaming);
        Assert.Equal(serverStreaming, method.IsServerStreaming);
    }

    [Fact]
    public void Service_Methods_ExactlyTheFourKedaCalls()
    {
        // StreamMetricSpec (KEDA main only) is optional: left out, the server answers UNIMPLEMENTED (keda.md 1.2).
        Assert.Equal(
            ["IsActive", "StreamIsActive", "GetMetricSpec", "GetMetrics"],
            File.Services[0].Methods.Select(m => m.Name));
    }

    [Fact]
    public void Messages_All_ExactlyKedasSeven()
    {
        Assert.Equal(
            ["GetMetricSpecResponse", "GetMetricsRequest", "GetMetricsResponse", "IsActiveResponse", "MetricSpec", "MetricValue", "ScaledObjectRef"],
            File.MessageTypes.Select(m => m.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    // The trigger: scalerMetadata is the trigger's metadata map.
    [InlineData("ScaledObjectRef", "name = 1 string", "namespace = 2 string", "scalerMetadata = 3 map<string, string>")]
    [InlineData("IsActiveResponse", "result = 1 bool")]
    [InlineData("GetMetricSpecResponse", "metricSpecs = 1 repeated externalscaler.MetricSpec")]
    // targetSize is deprecated in KEDA's proto; targetSizeFloat since KEDA 2.17.
    [InlineData("MetricSpec", "metricName = 1 string", "targetSize = 2 int64", "targetSizeFloat = 3 double")]
    [InlineData("GetMetricsRequest", "scaledObjectRef = 1 externalscaler.ScaledObjectRef", "metricName = 2 string")]
    [InlineData("GetMetricsResponse", "metricValues = 1 repeated externalscaler.MetricValue")]
    // metricValue is deprecated in KEDA's proto; metricValueFloat since KEDA 2.17.
    [InlineData("MetricValue", "metricName = 1 string", "metricValue = 2 int64", "metricValueFloat = 3 double")]
    public void Message_Fields_KedasNamesNumbersAndTypes(string message, params string[] fields)
    {
        var descriptor = File.FindTypeByName<MessageDescriptor>(message);

        Assert.NotNull(descriptor);
        Assert.Equal(fields, descriptor.Fields.InFieldNumberOrder().Select(Describe));
    }

    [Fact]
    public void Binding_ServerAndClient_MethodPathsUnderKedasServiceName()
    {
        var bound = new RecordingBinder();
        ExternalScaler.BindService(bound, null!);
        var called = new RecordingInvoker();
        var client = new ExternalScaler.ExternalScalerClient(called);

        Assert.Throws<RpcException>(() => client.IsActive(new ScaledObjectRef()));
        Assert.Throws<RpcException>(() => client.StreamIsActive(new ScaledObjectRef()));
        Assert.Throws<RpcException>(() => client.GetMetricSpec(new ScaledObjectRef()));
        Assert.Throws<RpcException>(() => client.GetMetrics(new GetMetricsRequest()));

        // The HTTP/2 :path KEDA sends is /externalscaler.ExternalScaler/<Rpc> (keda.md 1.1).
        string[] expected =
        [
            "/externalscaler.ExternalScaler/IsActive Unary",
            "/externalscaler.ExternalScaler/StreamIsActive ServerStreaming",
            "/externalscaler.ExternalScaler/GetMetricSpec Unary",
            "/externalscaler.ExternalScaler/GetMetrics Unary",
        ];
        Assert.Equal(expected, bound.Methods);
        Assert.Equal(expected, called.Methods);
    }

    /// <summary>A field as the reference writes it: <c>name = number type</c>, messages by their full name.</summary>
    private static string Describe(FieldDescriptor field)
    {
        var type = field.IsMap
            ? $"map<{TypeName(field.MessageType.FindFieldByNumber(1))}, {TypeName(field.MessageType.FindFieldByNumber(2))}>"
            : (field.IsRepeated ? "repeated " : string.Empty) + TypeName(field);
        return $"{field.Name} = {field.FieldNumber} {type}";
    }

    // The scalar FieldType names, lower-cased, are proto's own keywords (int64, sint64, fixed64, double, ...).
    private static string TypeName(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message => field.MessageType.FullName,
        FieldType.Enum => field.EnumType.FullName,
        _ => field.FieldType.ToString().ToLowerInvariant(),
    };

    private sealed class RecordingBinder : ServiceBinderBase
    {
        public List<string> Methods { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add($"{method.FullName} {method.Type}");

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add($"{method.FullName} {method.Type}");

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add($"{method.FullName} {method.Type}");

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add($"{method.FullName} {method.Type}");
    }

    /// <summary>Records each call's method and fails it: nothing leaves the process.</summary>
    private sealed class RecordingInvoker : CallInvoker
    {
        public List<string> Methods { get; } = [];

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw Record(method);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw Record(method);

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw Record(method);

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw Record(method);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw Record(method);

        private RpcException Record<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class
        {
            Methods.Add($"{method.FullName} {method.Type}");
            return new RpcException(new Status(StatusCode.Unimplemented, "recorded"));
        }
    }
}
