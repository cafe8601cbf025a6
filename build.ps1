#!/usr/bin/env pwsh
# Clean, restore, build, test and pack with the same dotnet commands as .ci/run; stops at the first failure.
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Step([string] $Name, [scriptblock] $Command) {
    Write-Host "==> $Name"
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$Name failed with exit code $LASTEXITCODE" }
}

if (Test-Path artifacts) { Remove-Item artifacts -Recurse -Force }
Invoke-Step 'clean'   { dotnet clean Tako.Sse.Mvc.sln -c Release }
Invoke-Step 'restore' { dotnet restore Tako.Sse.Mvc.sln }
Invoke-Step 'build'   { dotnet build Tako.Sse.Mvc.sln -c Release --no-restore }
Invoke-Step 'test'    { dotnet test Tako.Sse.Mvc.sln -c Release --no-build }
Invoke-Step 'pack'    { dotnet pack src/Tako.Sse.Mvc/Tako.Sse.Mvc.csproj -c Release --no-build -o artifacts/packages }
