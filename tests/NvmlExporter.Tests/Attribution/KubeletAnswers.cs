using Kubelet.PodResources.V1;

namespace NvmlExporter.Tests.Attribution;

/// <summary>Builds pod-resources answers the way a kubelet with the NVIDIA device plugin reports them.</summary>
internal static class KubeletAnswers
{
    // Real-looking NVML UUIDs: an H100 node and an A100 in MIG mode.
    public const string H100A = "GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8";
    public const string H100B = "GPU-0b5d2c3e-6f1a-4e27-9d8c-1a2b3c4d5e6f";
    public const string A100Mig = "GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b";
    public const string Mig1g10gb = "MIG-6a4b2c1d-8e9f-5a0b-9c1d-2e3f4a5b6c7d";
    public const string Mig1g10gbOther = "MIG-1f2e3d4c-5b6a-5978-8a9b-0c1d2e3f4a5b";

    public static ListPodResourcesResponse List(params PodResources[] pods)
    {
        var response = new ListPodResourcesResponse();
        response.PodResources.AddRange(pods);
        return response;
    }

    public static PodResources Pod(string ns, string name, params ContainerResources[] containers)
    {
        var pod = new PodResources { Namespace = ns, Name = name };
        pod.Containers.AddRange(containers);
        return pod;
    }

    public static ContainerResources Container(string name, params ContainerDevices[] devices)
    {
        var container = new ContainerResources { Name = name };
        container.Devices.AddRange(devices);
        return container;
    }

    public static ContainerDevices Devices(string resourceName, params string[] ids)
    {
        var devices = new ContainerDevices { ResourceName = resourceName };
        devices.DeviceIds.AddRange(ids);
        return devices;
    }

    /// <summary>One pod, one container, one whole GPU.</summary>
    public static ListPodResourcesResponse OneGpuPod(string gpu = H100A, string pod = "vllm-0") =>
        List(Pod("llm", pod, Container("server", Devices("nvidia.com/gpu", gpu))));
}
