using NvmlExporter.Attribution;

namespace NvmlExporter.Tests.Attribution;

public sealed class DeviceIdsTests
{
    [Theory]
    // A whole GPU, as the device plugin announces it under nvidia.com/gpu.
    [InlineData("GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8", "GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8")]
    // A time-slicing replica: every replica of a GPU maps to the GPU.
    [InlineData("GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8::0", "GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8")]
    // A high replica number.
    [InlineData("GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8::15", "GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8")]
    // A MIG device (R470 and later), as announced under nvidia.com/mig-1g.10gb.
    [InlineData("MIG-6a4b2c1d-8e9f-5a0b-9c1d-2e3f4a5b6c7d", "MIG-6a4b2c1d-8e9f-5a0b-9c1d-2e3f4a5b6c7d")]
    // A replica of a MIG device (MIG time-slicing, EKS).
    [InlineData("MIG-6a4b2c1d-8e9f-5a0b-9c1d-2e3f4a5b6c7d::3", "MIG-6a4b2c1d-8e9f-5a0b-9c1d-2e3f4a5b6c7d")]
    // A pre-R470 MIG id: the parent GPU and GPU instance 7; compute instance 0 does not matter.
    [InlineData("MIG-GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/7/0", "GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/7")]
    // A pre-R470 MIG id with a leading zero in the instance id still names instance 1.
    [InlineData("MIG-GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/01/2", "GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/1")]
    // A replica of a pre-R470 MIG id.
    [InlineData("MIG-GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/3/0::1", "GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/3")]
    public void TryGetKey_NvidiaId_ReturnsDeviceKey(string deviceId, string expected)
    {
        Assert.True(DeviceIds.TryGetKey(deviceId, out var key));
        Assert.Equal(expected, key);
    }

    [Theory]
    // GKE's MIG id names a device index and GPU instance, not a UUID: not attributed.
    [InlineData("nvidia0/gi7")]
    // GKE's sharing id.
    [InlineData("nvidia0/vgpu3")]
    // Another vendor's device.
    [InlineData("0000:3b:00.0")]
    // Empty.
    [InlineData("")]
    // The prefix alone.
    [InlineData("GPU-")]
    // The MIG prefix alone.
    [InlineData("MIG-")]
    // A lower-case prefix is not what NVML writes.
    [InlineData("gpu-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8")]
    // A replica separator without a number.
    [InlineData("GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8::")]
    // A replica separator with junk after it.
    [InlineData("GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8::a")]
    // Two replica separators.
    [InlineData("GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8::1::2")]
    // A path inside a GPU id.
    [InlineData("GPU-5fb1d4a5/1")]
    // A pre-R470 MIG id missing its compute instance.
    [InlineData("MIG-GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/7")]
    // A pre-R470 MIG id with a non-numeric instance.
    [InlineData("MIG-GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/x/0")]
    // A pre-R470 MIG id with an extra segment.
    [InlineData("MIG-GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/7/0/1")]
    // A pre-R470 MIG id without the parent UUID.
    [InlineData("MIG-GPU-/7/0")]
    // Whitespace around an id is not trimmed: the kubelet never adds it.
    [InlineData(" GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8")]
    public void TryGetKey_OtherId_ReturnsFalse(string deviceId)
    {
        Assert.False(DeviceIds.TryGetKey(deviceId, out var key));
        Assert.Null(key);
    }

    [Fact]
    public void TryGetKey_Null_ReturnsFalse() => Assert.False(DeviceIds.TryGetKey(null, out _));

    [Fact]
    public void LegacyMigKey_ParentAndInstance_MatchesParsedLegacyId()
    {
        Assert.True(DeviceIds.TryGetKey("MIG-GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b/13/0", out var parsed));

        Assert.Equal(parsed, DeviceIds.LegacyMigKey("GPU-9e7f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b", 13));
    }
}
