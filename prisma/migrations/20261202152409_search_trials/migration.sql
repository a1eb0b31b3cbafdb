-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "trial" INTEGER;

-- CreateTable
CREATE TABLE "Trial" (
    "sweepId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "values" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Trial_pkey" PRIMARY KEY ("sweepId","number")
);

-- CreateIndex
CREATE INDEX "Run_sweepId_trial_idx" ON "Run"("sweepId", "trial");

-- AddForeignKey
ALTER TABLE "Trial" ADD CONSTRAINT "Trial_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;
