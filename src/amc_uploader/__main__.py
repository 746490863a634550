from amc_uploader.cli import main

if __name__ == "__main__":
    main()
