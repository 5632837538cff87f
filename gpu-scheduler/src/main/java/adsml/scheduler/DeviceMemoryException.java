package adsml.scheduler;

/** A model version does not fit what is left of a device's memory budget; nothing was loaded. */
public final class DeviceMemoryException extends RuntimeException {
    private final String device;
    private final String versionId;
    private final long neededBytes;
    private final long freeBytes;
    private final long budgetBytes;

    public DeviceMemoryException(String device, String versionId, long neededBytes, long freeBytes, long budgetBytes) {
        super(device + ": loading " + versionId + " needs " + MemoryBudget.format(neededBytes) + ", "
                + MemoryBudget.format(freeBytes) + " of the " + MemoryBudget.format(budgetBytes) + " budget is free");
        this.device = device;
        this.versionId = versionId;
        this.neededBytes = neededBytes;
        this.freeBytes = freeBytes;
        this.budgetBytes = budgetBytes;
    }

    public String device() {
        return device;
    }

    public String versionId() {
        return versionId;
    }

    public long neededBytes() {
        return neededBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }
}
