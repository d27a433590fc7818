namespace Scaler.Tests.Signals.PrometheusText;

/// <summary>Documents captured from the real exporter (nvml-exporter.dll on the fake NVML, no kubelet).</summary>
internal static class ExporterOutput
{
    /// <summary>An H100 and an A100 in MIG mode with one 1g.10gb instance.</summary>
    public const string TwoGpusOneMig = """
        # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
        # TYPE DCGM_FI_DEV_GPU_UTIL gauge
        DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 10
        # HELP DCGM_FI_DEV_MEM_COPY_UTIL Memory utilization (in %).
        # TYPE DCGM_FI_DEV_MEM_COPY_UTIL gauge
        DCGM_FI_DEV_MEM_COPY_UTIL{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 5
        # HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
        # TYPE DCGM_FI_DEV_FB_USED gauge
        DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 1024
        DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm",GPU_I_PROFILE="1g.10gb",GPU_I_ID="7"} 512
        # HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).
        # TYPE DCGM_FI_DEV_FB_FREE gauge
        DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 80023
        DCGM_FI_DEV_FB_FREE{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm",GPU_I_PROFILE="1g.10gb",GPU_I_ID="7"} 9728
        # HELP DCGM_FI_DEV_FB_TOTAL Framebuffer memory total (in MiB).
        # TYPE DCGM_FI_DEV_FB_TOTAL gauge
        DCGM_FI_DEV_FB_TOTAL{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 81559
        DCGM_FI_DEV_FB_TOTAL{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm",GPU_I_PROFILE="1g.10gb",GPU_I_ID="7"} 10240
        # HELP DCGM_FI_DEV_FB_RESERVED Framebuffer memory reserved (in MiB).
        # TYPE DCGM_FI_DEV_FB_RESERVED gauge
        DCGM_FI_DEV_FB_RESERVED{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 512
        DCGM_FI_DEV_FB_RESERVED{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm",GPU_I_PROFILE="1g.10gb",GPU_I_ID="7"} 0
        # HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).
        # TYPE DCGM_FI_DEV_GPU_TEMP gauge
        DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 40
        DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm"} 40
        # HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
        # TYPE DCGM_FI_DEV_POWER_USAGE gauge
        DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 100
        DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm"} 100
        # HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).
        # TYPE DCGM_FI_DEV_SM_CLOCK gauge
        DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 1980
        DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm"} 1980
        # HELP DCGM_FI_DEV_ECC_SBE_VOL_TOTAL Total number of single-bit volatile ECC errors.
        # TYPE DCGM_FI_DEV_ECC_SBE_VOL_TOTAL counter
        DCGM_FI_DEV_ECC_SBE_VOL_TOTAL{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 0
        DCGM_FI_DEV_ECC_SBE_VOL_TOTAL{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm"} 0
        # HELP DCGM_FI_DEV_ECC_DBE_VOL_TOTAL Total number of double-bit volatile ECC errors.
        # TYPE DCGM_FI_DEV_ECC_DBE_VOL_TOTAL counter
        DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{gpu="0",UUID="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="vm"} 0
        DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{gpu="1",UUID="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="vm"} 0
        # HELP gpu_utilization_percent Percent of the last sample period in which one or more kernels ran (NVML duty cycle); absent on MIG.
        # TYPE gpu_utilization_percent gauge
        gpu_utilization_percent{gpu="0",uuid="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",model_name="NVIDIA H100 80GB HBM3",hostname="vm"} 10
        # HELP gpu_memory_used_bytes Framebuffer memory in use, in bytes (excluding driver-reserved memory where the driver reports it apart).
        # TYPE gpu_memory_used_bytes gauge
        gpu_memory_used_bytes{gpu="0",uuid="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",model_name="NVIDIA H100 80GB HBM3",hostname="vm"} 1073741824
        gpu_memory_used_bytes{gpu="1",uuid="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",model_name="NVIDIA A100-SXM4-80GB",hostname="vm",gpu_instance_profile="1g.10gb",gpu_instance_id="7",mig_uuid="MIG-00000001-0000-4000-8000-000000000064"} 536870912
        # HELP gpu_memory_total_bytes Framebuffer memory of the GPU or MIG device, in bytes.
        # TYPE gpu_memory_total_bytes gauge
        gpu_memory_total_bytes{gpu="0",uuid="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",model_name="NVIDIA H100 80GB HBM3",hostname="vm"} 85520809984
        gpu_memory_total_bytes{gpu="1",uuid="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",model_name="NVIDIA A100-SXM4-80GB",hostname="vm",gpu_instance_profile="1g.10gb",gpu_instance_id="7",mig_uuid="MIG-00000001-0000-4000-8000-000000000064"} 10737418240
        # HELP gpu_compute_processes Compute processes running on the GPU or MIG device.
        # TYPE gpu_compute_processes gauge
        gpu_compute_processes{gpu="0",uuid="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",model_name="NVIDIA H100 80GB HBM3",hostname="vm"} 0
        gpu_compute_processes{gpu="1",uuid="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",model_name="NVIDIA A100-SXM4-80GB",hostname="vm",gpu_instance_profile="1g.10gb",gpu_instance_id="7",mig_uuid="MIG-00000001-0000-4000-8000-000000000064"} 1
        # HELP nvml_exporter_device_up Whether the GPU answered NVML in the last sample (0 after GPU_IS_LOST and the like).
        # TYPE nvml_exporter_device_up gauge
        nvml_exporter_device_up{gpu="0",uuid="GPU-00000000-1111-4222-8333-000000000000",pci_bus_id="00000000:17:00.0",device="nvidia0",model_name="NVIDIA H100 80GB HBM3",hostname="vm"} 1
        nvml_exporter_device_up{gpu="1",uuid="GPU-00000001-1111-4222-8333-000000000001",pci_bus_id="00000000:81:00.0",device="nvidia1",model_name="NVIDIA A100-SXM4-80GB",hostname="vm"} 1
        # HELP nvml_exporter_nvml_up Whether NVML is loaded and initialized (0 with no driver or no GPU).
        # TYPE nvml_exporter_nvml_up gauge
        nvml_exporter_nvml_up 1
        # HELP nvml_exporter_gpus GPUs NVML reports on this node.
        # TYPE nvml_exporter_gpus gauge
        nvml_exporter_gpus 2
        # HELP nvml_exporter_driver_info The NVIDIA driver version, as a label; the value is always 1.
        # TYPE nvml_exporter_driver_info gauge
        nvml_exporter_driver_info{driver_version="550.54.15",hostname="vm"} 1
        # HELP nvml_exporter_sample_duration_seconds Time one sample of every GPU took, in seconds.
        # TYPE nvml_exporter_sample_duration_seconds histogram
        nvml_exporter_sample_duration_seconds_bucket{le="0.0005"} 3
        nvml_exporter_sample_duration_seconds_bucket{le="0.001"} 3
        nvml_exporter_sample_duration_seconds_bucket{le="0.0025"} 3
        nvml_exporter_sample_duration_seconds_bucket{le="0.005"} 3
        nvml_exporter_sample_duration_seconds_bucket{le="0.01"} 3
        nvml_exporter_sample_duration_seconds_bucket{le="0.025"} 3
        nvml_exporter_sample_duration_seconds_bucket{le="0.05"} 4
        nvml_exporter_sample_duration_seconds_bucket{le="0.1"} 4
        nvml_exporter_sample_duration_seconds_bucket{le="0.25"} 4
        nvml_exporter_sample_duration_seconds_bucket{le="0.5"} 4
        nvml_exporter_sample_duration_seconds_bucket{le="1"} 4
        nvml_exporter_sample_duration_seconds_bucket{le="2.5"} 4
        nvml_exporter_sample_duration_seconds_bucket{le="5"} 4
        nvml_exporter_sample_duration_seconds_bucket{le="+Inf"} 4
        nvml_exporter_sample_duration_seconds_sum 0.0428854
        nvml_exporter_sample_duration_seconds_count 4
        # HELP nvml_exporter_sample_errors_total NVML calls that returned an error while sampling, by function and return code (NOT_SUPPORTED is an expected absence and not counted).
        # TYPE nvml_exporter_sample_errors_total counter
        # HELP nvml_exporter_last_sample_timestamp_seconds Unix time of the last completed sample, in seconds.
        # TYPE nvml_exporter_last_sample_timestamp_seconds gauge
        nvml_exporter_last_sample_timestamp_seconds 1795889832.553
        # HELP nvml_exporter_last_sample_age_seconds Seconds since the last completed sample, at scrape time.
        # TYPE nvml_exporter_last_sample_age_seconds gauge
        nvml_exporter_last_sample_age_seconds 0.891
        """;
}
